package pgindex_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/dicomarchive/s3blob"
)

// An archive node of a scaled-out deployment: blobs in a shared S3
// bucket, the index and the audit trail in a shared PostgreSQL database.
// Run as many such processes as needed, on any hosts: they serve one
// archive (one copy of each instance, one audit chain). For a single
// host with a shared file system, dicomarchive.NewFSBlobStore takes the
// place of s3blob.
func Example() {
	ctx := context.Background()
	blobs, err := s3blob.Open(ctx, s3blob.Options{
		Endpoint:  "s3.example.org",
		AccessKey: os.Getenv("S3_ACCESS_KEY"),
		SecretKey: os.Getenv("S3_SECRET_KEY"),
		Bucket:    "pacs",
		Secure:    true,
	})
	if err != nil {
		log.Fatal(err)
	}
	// The first node to start creates the schema; the others wait for it.
	ix, err := pgindex.Open(ctx, "postgres://archive@db.example.org/pacs?sslmode=verify-full", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close() // the archive does not close backends it was given

	c := dicomarchive.NewComposer()
	blobs.UseIn(c) // blobs, delete, list, temporary clean-up
	ix.UseIn(c)    // index, identity, tiers, retention, audit committed with the rows
	a, err := dicomarchive.New(ctx, c, &dicomarchive.Options{RequirePrincipal: true})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	obj, err := os.ReadFile("image.dcm")
	if err != nil {
		log.Fatal(err)
	}
	res, err := a.Store(dicomarchive.WithPrincipal(ctx, "modality:CT1"), bytes.NewReader(obj), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Instance.SOPInstanceUID, res.Duplicate)
}
