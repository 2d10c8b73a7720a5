package testutil

import (
	"context"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

func TestS3BucketLifecycle(t *testing.T) {
	var srv S3Server
	var other string
	t.Run("inner", func(t *testing.T) {
		srv = S3(t)
		other = S3(t).Bucket
		if srv.Bucket == other {
			t.Fatalf("two calls gave the same bucket %s", other)
		}
		cl, err := srv.client()
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		n := 0
		for obj := range cl.ListObjectsIter(ctx, srv.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatal(obj.Err)
			}
			n++
		}
		if n != 0 {
			t.Fatalf("new bucket holds %d objects", n)
		}
		// Leave an object and an incomplete upload: cleanup must remove
		// them to remove the bucket.
		if _, err := cl.PutObject(ctx, srv.Bucket, "a/b", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := (minio.Core{Client: cl}).NewMultipartUpload(ctx, srv.Bucket, "c", minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if srv.Bucket == "" {
		t.Skip("no S3 server (the subtest says why)")
	}
	cl, err := srv.client()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{srv.Bucket, other} {
		if ok, err := cl.BucketExists(context.Background(), b); err != nil || ok {
			t.Fatalf("bucket %s after the test: exists %v, %v", b, ok, err)
		}
	}
}
