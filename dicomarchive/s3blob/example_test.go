package s3blob_test

import (
	"context"
	"io"
	"log"
	"os"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/s3blob"
)

// An archive whose blobs live in S3 and whose index is SQLite: the blob
// store takes the capabilities it has (delete, list, cleantemp) into the
// composer. It needs a server, so it is only compiled.
func Example() {
	ctx := context.Background()
	blobs, err := s3blob.Open(ctx, s3blob.Options{
		Endpoint:  "s3.example.org",
		AccessKey: os.Getenv("S3_ACCESS_KEY"),
		SecretKey: os.Getenv("S3_SECRET_KEY"),
		Bucket:    "pacs",
		Prefix:    "site-a", // keys: site-a/sha256/ab/cd/abcd…
		Secure:    true,
	})
	if err != nil {
		log.Fatal(err)
	}
	ix, err := dicomarchive.OpenSQLiteIndex(ctx, "index.db")
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()
	c := dicomarchive.NewComposer()
	blobs.UseIn(c)
	ix.UseIn(c)
	a, err := dicomarchive.New(ctx, c, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	log.Println(c.Capabilities())
}

// Reading one frame of a multi-frame object without fetching the whole
// blob: the offset and length come from the object's frame table.
func ExampleStore_OpenRange() {
	ctx := context.Background()
	blobs, err := s3blob.Open(ctx, s3blob.Options{Endpoint: "127.0.0.1:7070", Bucket: "pacs"})
	if err != nil {
		log.Fatal(err)
	}
	var d dicomarchive.Digest // from the index: Instance.Digest
	rc, err := blobs.OpenRange(ctx, d, 4096, 512*512*2)
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	io.Copy(os.Stdout, rc)
}
