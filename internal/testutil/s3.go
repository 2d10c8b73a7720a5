package testutil

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Server is the S3 server that scripts/test.sh starts (versitygw on
// 127.0.0.1, plain HTTP), with a bucket made for one test.
type S3Server struct {
	Endpoint  string // host:port, without scheme
	AccessKey string
	SecretKey string
	Bucket    string // empty and fresh, removed when the test ends
}

// S3 returns the S3 server that scripts/test.sh starts (RADKIT_S3_ENDPOINT,
// RADKIT_S3_ACCESS_KEY, RADKIT_S3_SECRET_KEY) with a new empty bucket,
// whose objects, incomplete uploads and itself are removed when the test
// ends (best effort: a failure is logged, not fatal). It skips the test
// when RADKIT_S3_ENDPOINT is not set, failing instead under
// RADKIT_INTEGRATION=require. Each call makes another bucket.
func S3(t testing.TB) S3Server {
	t.Helper()
	srv := S3Server{
		Endpoint:  os.Getenv("RADKIT_S3_ENDPOINT"),
		AccessKey: os.Getenv("RADKIT_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("RADKIT_S3_SECRET_KEY"),
		// S3 bucket names: 3 to 63 lower-case letters, digits and
		// hyphens. rand.Text gives 26 base-32 characters.
		Bucket: "radkit-test-" + strings.ToLower(rand.Text()),
	}
	if srv.Endpoint == "" {
		unavailable(t, "RADKIT_S3_ENDPOINT not set; run ./scripts/test.sh, which starts versitygw "+
			"(go install github.com/versity/versitygw/cmd/versitygw@v1.8.0) on 127.0.0.1")
	}
	cl, err := srv.client()
	if err != nil {
		t.Fatalf("S3 client for %s: %v", srv.Endpoint, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := cl.MakeBucket(ctx, srv.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("creating bucket %s on %s: %v", srv.Bucket, srv.Endpoint, err)
	}
	t.Cleanup(func() { srv.removeBucket(t, cl) })
	return srv
}

func (srv S3Server) client() (*minio.Client, error) {
	return minio.New(srv.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""),
		MaxRetries: 3,
	})
}

// removeBucket empties and removes the bucket, logging what fails.
func (srv S3Server) removeBucket(t testing.TB, cl *minio.Client) {
	// t.Context is already canceled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for u := range cl.ListIncompleteUploads(ctx, srv.Bucket, "", true) {
		if u.Err != nil {
			t.Logf("cleanup: listing uploads of bucket %s: %v", srv.Bucket, u.Err)
			break
		}
		if err := cl.RemoveIncompleteUpload(ctx, srv.Bucket, u.Key); err != nil {
			t.Logf("cleanup: aborting upload %s: %v", u.Key, err)
		}
	}
	for obj := range cl.ListObjectsIter(ctx, srv.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Logf("cleanup: listing bucket %s: %v", srv.Bucket, obj.Err)
			break
		}
		if err := cl.RemoveObject(ctx, srv.Bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Logf("cleanup: removing %s: %v", obj.Key, err)
		}
	}
	if err := cl.RemoveBucket(ctx, srv.Bucket); err != nil {
		t.Logf("cleanup: removing bucket %s: %v", srv.Bucket, err)
	}
}
