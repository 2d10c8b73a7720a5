package scaleout

import (
	"context"

	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/dicomarchive/s3blob"
)

func openS3Postgres(ctx context.Context, b Backend, n *Node) error {
	blobs, err := s3blob.Open(ctx, s3blob.Options{Endpoint: b.S3Endpoint, AccessKey: b.S3AccessKey, SecretKey: b.S3SecretKey, Bucket: b.S3Bucket})
	if err != nil {
		return err
	}
	ix, err := pgindex.Open(ctx, b.Postgres, nil)
	if err != nil {
		return err
	}
	n.closers = append(n.closers, ix.Close)
	blobs.UseIn(n.Composer)
	ix.UseIn(n.Composer)
	return nil
}
