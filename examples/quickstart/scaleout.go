package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/dicomarchive/s3blob"
)

// The servers of step 10, as scripts/test.sh exports them: an S3 endpoint
// (host:port, plain HTTP) with keys allowed to create buckets, and the
// DSN of a PostgreSQL role allowed to create databases.
const (
	envS3Endpoint  = "RADKIT_S3_ENDPOINT"
	envS3AccessKey = "RADKIT_S3_ACCESS_KEY"
	envS3SecretKey = "RADKIT_S3_SECRET_KEY"
	envPostgresURL = "RADKIT_POSTGRES_URL"
)

// scaleOut is step 10: two archive nodes share one S3 bucket and one
// PostgreSQL database, both are given the whole study at the same time,
// and they still keep one copy of each instance and one audit chain. It
// works in a scratch bucket and database, removed at the end. Without
// servers it says how to get them and returns nil: the rest of the tour
// needs none.
func scaleOut(ctx context.Context, stdout io.Writer, paths []string) (err error) {
	fmt.Fprintf(stdout, "\n10. Scaling the archive out: two nodes sharing S3 and PostgreSQL\n")
	endpoint, admin := os.Getenv(envS3Endpoint), os.Getenv(envPostgresURL)
	if endpoint == "" || admin == "" {
		fmt.Fprintf(stdout, "   skipped: no servers (set %s, %s, %s and %s). With the ones the test script installs and starts on 127.0.0.1:\n"+
			"   bash -c 'source scripts/test.sh; install_services; start_postgres; start_versitygw; go run ./examples/quickstart'\n",
			envS3Endpoint, envS3AccessKey, envS3SecretKey, envPostgresURL)
		return nil
	}
	accessKey, secretKey := os.Getenv(envS3AccessKey), os.Getenv(envS3SecretKey)
	suffix := strings.ToLower(rand.Text()[:12])
	bucket, db := "radkit-quickstart-"+suffix, "radkit_quickstart_"+suffix
	s3c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, "")})
	if err != nil {
		return fmt.Errorf("S3 %s: %w", endpoint, err)
	}
	if err := s3c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return fmt.Errorf("S3 %s: creating bucket %s: %w", endpoint, bucket, err)
	}
	defer func() { err = errors.Join(err, removeBucket(s3c, bucket)) }()
	dsn, err := createDatabase(ctx, admin, db)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, dropDatabase(admin, db)) }()

	// Two nodes: in production two processes on two hosts; here two
	// archives in this process, each with its own S3 client and its own
	// PostgreSQL connections, which is all they would share there too.
	var nodes [2]*dicomarchive.Archive
	for i := range nodes {
		blobs, err := s3blob.Open(ctx, s3blob.Options{Endpoint: endpoint, AccessKey: accessKey, SecretKey: secretKey, Bucket: bucket})
		if err != nil {
			return err
		}
		ix, err := pgindex.Open(ctx, dsn, nil)
		if err != nil {
			return err
		}
		defer ix.Close() // after the archive: it does not close backends it was given
		c := dicomarchive.NewComposer()
		blobs.UseIn(c)
		ix.UseIn(c)
		if nodes[i], err = dicomarchive.New(ctx, c, nil); err != nil {
			return err
		}
		defer nodes[i].Close()
	}

	// Both nodes receive every object at once, as when a modality's
	// retry reaches the other node of a load balancer; node B takes them
	// in the reverse order, so that each node is first for some.
	var (
		wg            sync.WaitGroup
		stored, dupes [2]int // each node's goroutine counts its own
		errs          [2]error
		started       = time.Now()
	)
	for i, node := range nodes {
		wg.Go(func() {
			nctx := dicomarchive.WithPrincipal(ctx, fmt.Sprintf("quickstart-node-%c", 'A'+i))
			for k := range paths {
				p := paths[k]
				if i == 1 {
					p = paths[len(paths)-1-k]
				}
				f, err := os.Open(p)
				if err != nil {
					errs[i] = err
					return
				}
				res, err := node.Store(nctx, f, nil)
				f.Close()
				if err != nil {
					errs[i] = fmt.Errorf("node %c: %s: %w", 'A'+i, p, err)
					return
				}
				if res.Duplicate {
					dupes[i]++
				} else {
					stored[i]++
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	elapsed := time.Since(started)

	// Node B reads what node A stored and checks the one audit chain and
	// every blob, whoever wrote them.
	bctx := dicomarchive.WithPrincipal(ctx, "quickstart-node-B")
	page, err := nodes[1].QueryStudies(bctx, &dicomarchive.Query{})
	if err != nil {
		return err
	}
	ver, err := nodes[1].Verify(bctx, nil)
	if err != nil {
		return err
	}
	audit, err := nodes[1].VerifyAudit(bctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "   %d objects sent to both nodes at once in %s: %d stored (node A %d, node B %d), %d reported as duplicates\n",
		len(paths), elapsed.Round(time.Millisecond), stored[0]+stored[1], stored[0], stored[1], dupes[0]+dupes[1])
	fmt.Fprintf(stdout, "   node B sees %d studies, %d instances with %d blobs (%d missing, %d corrupt); one audit chain intact (%d entries from both nodes)\n",
		len(page.Items), ver.Instances, ver.Blobs, len(ver.Missing), len(ver.Corrupt), audit.Entries)
	return nil
}

// createDatabase creates db with the admin DSN and returns the DSN of
// the new database.
func createDatabase(ctx context.Context, admin, db string) (string, error) {
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return "", fmt.Errorf("%s: %w", envPostgresURL, err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("PostgreSQL at %s: %w", cfg.Host, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
		return "", fmt.Errorf("PostgreSQL at %s: %w", cfg.Host, err)
	}
	// The admin DSN with its database replaced: a URL's path, or a
	// trailing dbname in a key=value DSN (the last one counts).
	if u, err := url.Parse(admin); err == nil && u.Scheme != "" {
		u.Path = "/" + db
		return u.String(), nil
	}
	return admin + " dbname=" + db, nil
}

// dropDatabase removes db, ending the sessions left open.
func dropDatabase(admin, db string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	return err
}

// removeBucket empties and removes bucket.
func removeBucket(c *minio.Client, bucket string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for obj := range c.ListObjectsIter(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			errs = append(errs, obj.Err)
			break
		}
		errs = append(errs, c.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{}))
	}
	errs = append(errs, c.RemoveBucket(ctx, bucket))
	return errors.Join(errs...)
}
