package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/dicomarchive/s3blob"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

type s3Config struct{ endpoint, access, secret string }

// ingestObjects makes n small Part 10 objects of the usual modalities
// (64×64 pixels), different for each base seed.
func ingestObjects(ctx context.Context, base uint64, n int) ([][]byte, error) {
	kinds := []struct {
		k      synth.Kind
		slices int
	}{{synth.CT, 30}, {synth.MR, 20}, {synth.CR, 0}, {synth.DX, 0}, {synth.MG, 0}, {synth.US, 0}, {synth.SC, 0}, {synth.SR, 0}}
	var out [][]byte
	for seed := base; len(out) < n; seed++ {
		k := kinds[int(seed)%len(kinds)]
		err := synth.Study(ctx, k.k, synth.Options{Seed: seed, Slices: k.slices, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
			if len(out) == n {
				return nil
			}
			var b bytes.Buffer
			if err := f.Write(&b, nil); err != nil {
				return err
			}
			out = append(out, b.Bytes())
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// timings accumulates the time spent in the backends, in nanoseconds.
type timings struct {
	blobWrite, blobCommit, idxLookup, idxPut atomic.Int64
}

type timedBlobs struct {
	dicomarchive.BlobStore
	t *timings
}

func (b timedBlobs) Create(ctx context.Context) (dicomarchive.BlobWriter, error) {
	w, err := b.BlobStore.Create(ctx)
	if err != nil {
		return nil, err
	}
	return &timedWriter{w, b.t}, nil
}

type timedWriter struct {
	w dicomarchive.BlobWriter
	t *timings
}

func (w *timedWriter) Write(p []byte) (int, error) {
	t := time.Now()
	n, err := w.w.Write(p)
	w.t.blobWrite.Add(int64(time.Since(t)))
	return n, err
}

func (w *timedWriter) Commit(ctx context.Context, want dicomarchive.Digest) (dicomarchive.BlobInfo, error) {
	t := time.Now()
	bi, err := w.w.Commit(ctx, want)
	w.t.blobCommit.Add(int64(time.Since(t)))
	return bi, err
}

func (w *timedWriter) Abort() error { return w.w.Abort() }

type timedIndex struct {
	dicomarchive.Index
	audited dicomarchive.AuditedIndex
	t       *timings
}

func (x *timedIndex) Instance(ctx context.Context, sop string) (dicomarchive.Instance, error) {
	t := time.Now()
	in, err := x.Index.Instance(ctx, sop)
	x.t.idxLookup.Add(int64(time.Since(t)))
	return in, err
}

func (x *timedIndex) PutInstance(ctx context.Context, r *dicomarchive.Record) (dicomarchive.Instance, bool, error) {
	t := time.Now()
	in, ok, err := x.Index.PutInstance(ctx, r)
	x.t.idxPut.Add(int64(time.Since(t)))
	return in, ok, err
}

func (x *timedIndex) PutInstanceAudited(ctx context.Context, r *dicomarchive.Record, e *dicomarchive.AuditEntry) (dicomarchive.Instance, bool, dicomarchive.AuditEntry, error) {
	t := time.Now()
	in, ok, se, err := x.audited.PutInstanceAudited(ctx, r, e)
	x.t.idxPut.Add(int64(time.Since(t)))
	return in, ok, se, err
}

// discardBlobs is a blob store that keeps nothing: Store through it
// measures radkit and its index without the object store.
type discardBlobs struct{}

func (discardBlobs) Create(context.Context) (dicomarchive.BlobWriter, error) {
	return &discardWriter{h: sha256.New()}, nil
}

func (discardBlobs) Open(context.Context, dicomarchive.Digest) (io.ReadCloser, error) {
	return nil, dicomarchive.ErrNotFound
}

func (discardBlobs) Stat(context.Context, dicomarchive.Digest) (dicomarchive.BlobInfo, error) {
	return dicomarchive.BlobInfo{}, dicomarchive.ErrNotFound
}

type discardWriter struct {
	h hash.Hash
	n int64
}

func (w *discardWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return w.h.Write(p) }

func (w *discardWriter) Commit(_ context.Context, want dicomarchive.Digest) (dicomarchive.BlobInfo, error) {
	var d dicomarchive.Digest
	w.h.Sum(d[:0])
	if want != (dicomarchive.Digest{}) && want != d {
		return dicomarchive.BlobInfo{}, &dicomarchive.DigestMismatchError{Want: want, Got: d}
	}
	return dicomarchive.BlobInfo{Digest: d, Size: w.n}, nil
}

func (w *discardWriter) Abort() error { return nil }

// ingestRun is one timed run of one kind.
type ingestRun struct {
	wall                  time.Duration
	store                 time.Duration // sum over calls
	blobWrite, blobCommit time.Duration
	idxLookup, idxPut     time.Duration
	selfCPU, s3CPU, pgCPU time.Duration
	waits                 string
}

// parallel calls fn for every object from w goroutines and returns the
// wall time and the sum of the calls' times.
func parallel(objs [][]byte, w int, fn func(b []byte) error) (wall, sum time.Duration, err error) {
	jobs := make(chan []byte)
	var wg sync.WaitGroup
	var ns atomic.Int64
	var first atomic.Value
	start := time.Now()
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				t := time.Now()
				err := fn(b)
				ns.Add(int64(time.Since(t)))
				if err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for _, b := range objs {
		jobs <- b
	}
	close(jobs)
	wg.Wait()
	wall = time.Since(start)
	err, _ = first.Load().(error)
	return wall, time.Duration(ns.Load()), err
}

// s3Alone makes, for every object, the PUT s3blob makes (same key, same
// headers, same signing), with minio-go straight: the object store's own
// rate, the anchor.
func s3Alone(ctx context.Context, cl *minio.Client, s3 s3Config, objs [][]byte, w int) (ingestRun, error) {
	var r ingestRun
	bucket := fmt.Sprintf("radkit-scale-anchor-%d-%d", w, time.Now().UnixNano())
	if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return r, err
	}
	// The keys s3blob would use (the same directory layout on the
	// server's file system).
	keys, err := s3blob.Open(ctx, s3blob.Options{Endpoint: s3.endpoint, AccessKey: s3.access, SecretKey: s3.secret, Bucket: bucket})
	if err != nil {
		return r, err
	}
	cpu0, err := cpuTimes(ctx, nil, s3.endpoint)
	if err != nil {
		return r, err
	}
	core := minio.Core{Client: cl}
	wall, _, err := parallel(objs, w, func(b []byte) error {
		d := sha256.Sum256(b)
		_, err := core.PutObject(ctx, bucket, keys.Key(d), bytes.NewReader(b), int64(len(b)), "", hex.EncodeToString(d[:]),
			minio.PutObjectOptions{UserMetadata: map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(d[:])}, DisableContentSha256: true})
		return err
	})
	r.wall = wall
	if err == nil {
		var cpu1 cpu
		if cpu1, err = cpuTimes(ctx, nil, s3.endpoint); err == nil {
			r.selfCPU, r.s3CPU = cpu1.self-cpu0.self, cpu1.s3-cpu0.s3
		}
	}
	if rerr := removeBucket(ctx, cl, bucket); err == nil {
		err = rerr
	}
	return r, err
}

// storeRun stores every object through an Archive over the PostgreSQL
// index (a fresh database) and, when s3 is true, a fresh bucket, else
// discardBlobs.
func storeRun(ctx context.Context, c *config, cl *minio.Client, objs [][]byte, w int, s3 bool) (ingestRun, error) {
	var r ingestRun
	stamp := time.Now().UTC().Format("20060102150405")
	dbName := fmt.Sprintf("radkit_scale_ingest_%d_%s", w, stamp)
	dsn, err := pgDatabase(ctx, c.postgres, dbName, true)
	if err != nil {
		return r, err
	}
	bucket := ""
	if s3 {
		bucket = fmt.Sprintf("radkit-scale-%d-%s", w, stamp)
		if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			return r, err
		}
	}
	err = func() error {
		ix, err := pgindex.Open(ctx, dsn, nil)
		if err != nil {
			return err
		}
		defer ix.Close()
		var tm timings
		comp := dicomarchive.NewComposer()
		ix.UseIn(comp)
		if s3 {
			store, err := s3blob.Open(ctx, s3blob.Options{Endpoint: c.s3.endpoint, AccessKey: c.s3.access, SecretKey: c.s3.secret, Bucket: bucket})
			if err != nil {
				return err
			}
			store.UseIn(comp)
			comp.Blobs = timedBlobs{store, &tm}
		} else {
			comp.Blobs = timedBlobs{discardBlobs{}, &tm}
		}
		ti := &timedIndex{Index: ix, audited: ix, t: &tm}
		comp.Index, comp.Audited = ti, ti
		a, err := dicomarchive.New(ctx, comp, nil)
		if err != nil {
			return err
		}
		defer a.Close()
		cpu0, err := cpuTimes(ctx, ix, c.s3.endpoint)
		if err != nil {
			return err
		}
		stopSampling := sampleWaits(ctx, c.postgres, dbName)
		r.wall, r.store, err = parallel(objs, w, func(b []byte) error {
			_, err := a.Store(ctx, bytes.NewReader(b), nil)
			return err
		})
		r.waits = stopSampling()
		if err != nil {
			return err
		}
		cpu1, err := cpuTimes(ctx, ix, c.s3.endpoint)
		if err != nil {
			return err
		}
		r.selfCPU, r.s3CPU, r.pgCPU = cpu1.self-cpu0.self, cpu1.s3-cpu0.s3, cpu1.pg-cpu0.pg
		r.blobWrite, r.blobCommit = time.Duration(tm.blobWrite.Load()), time.Duration(tm.blobCommit.Load())
		r.idxLookup, r.idxPut = time.Duration(tm.idxLookup.Load()), time.Duration(tm.idxPut.Load())
		// The chain must be intact and hold a store entry per object.
		rep, err := a.VerifyAudit(ctx, nil)
		if err != nil {
			return err
		}
		if rep.Entries < int64(len(objs)) {
			return fmt.Errorf("audit trail: %d entries for %d objects stored", rep.Entries, len(objs))
		}
		return nil
	}()
	if derr := dropDatabase(ctx, c.postgres, dbName); err == nil {
		err = derr
	}
	if s3 {
		if rerr := removeBucket(ctx, cl, bucket); err == nil {
			err = rerr
		}
	}
	return r, err
}

func benchIngest(ctx context.Context, c *config) error {
	if c.s3.endpoint == "" || c.postgres == "" {
		return fmt.Errorf("needs an S3 server (-s3, $RADKIT_S3_ENDPOINT) and PostgreSQL (-postgres, $RADKIT_POSTGRES_URL)")
	}
	cl, err := minio.New(c.s3.endpoint, &minio.Options{Creds: credentials.NewStaticV4(c.s3.access, c.s3.secret, "")})
	if err != nil {
		return err
	}
	type row struct {
		workers, n  int
		bytes       int64
		kinds       [3]ingestRun  // the median run of each kind: S3 alone, blobs discarded, S3 + PostgreSQL
		parse, hash time.Duration // measured apart, per object
	}
	var rows []row
	for ri, w := range c.workers {
		objs, err := ingestObjects(ctx, uint64(100000*(ri+1))+c.seed, c.ingest)
		if err != nil {
			return err
		}
		r := row{workers: w, n: len(objs)}
		// Parsing and hashing alone, on one goroutine, as Store does them.
		for _, b := range objs {
			r.bytes += int64(len(b))
			t := time.Now()
			if _, err := dicomio.Parse(bytes.NewReader(b), &dicomio.ReadOptions{PixelData: dicomio.PixelDataSkip}); err != nil {
				return err
			}
			r.parse += time.Since(t)
			t = time.Now()
			sha256.Sum256(b)
			r.hash += time.Since(t)
		}
		// The three kinds of run interleaved, so that a change in the
		// machine's load touches all of them.
		var runs [3][]ingestRun
		for range c.ingestRuns {
			ir, err := s3Alone(ctx, cl, c.s3, objs, w)
			if err != nil {
				return err
			}
			runs[0] = append(runs[0], ir)
			if ir, err = storeRun(ctx, c, cl, objs, w, false); err != nil {
				return err
			}
			runs[1] = append(runs[1], ir)
			if ir, err = storeRun(ctx, c, cl, objs, w, true); err != nil {
				return err
			}
			runs[2] = append(runs[2], ir)
		}
		for k := range runs {
			slices.SortFunc(runs[k], func(a, b ingestRun) int { return int(a.wall - b.wall) })
			r.kinds[k] = runs[k][len(runs[k])/2]
		}
		rows = append(rows, r)
	}
	fmt.Printf("\nIngest through S3 (versitygw) + PostgreSQL: %d objects per run (mean %.1f KiB), fresh bucket and database per run, median of %d interleaved runs\n\n",
		rows[0].n, float64(rows[0].bytes)/float64(rows[0].n)/1024, c.ingestRuns)
	rate := func(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }
	fmt.Println("| workers | S3 alone (minio-go PUT, the anchor) | radkit Store, blobs discarded (parse, hash, PostgreSQL index, audit) | radkit Store, S3 + PostgreSQL | radkit / S3 alone |")
	fmt.Println("|---|---|---|---|---|")
	for _, r := range rows {
		a, i, s := rate(r.n, r.kinds[0].wall), rate(r.n, r.kinds[1].wall), rate(r.n, r.kinds[2].wall)
		fmt.Printf("| %d | %.0f objects/s | %.0f instances/s | %.0f instances/s | %.2f |\n", r.workers, a, i, s, s/a)
	}
	ncpu := runtime.NumCPU()
	fmt.Printf("\nCPU per object (user+sys) of each process in those runs, and the rate the %d cores of this machine allow when one machine runs them all (%d s of CPU per second / CPU per object):\n\n", ncpu, ncpu)
	fmt.Println("| workers | run | this process (radkit, or minio-go alone) | versitygw | PostgreSQL | total | CPU ceiling |")
	fmt.Println("|---|---|---|---|---|---|---|")
	names := [3]string{"S3 alone", "blobs discarded", "S3 + PostgreSQL"}
	for _, r := range rows {
		for k, kr := range r.kinds {
			per := func(d time.Duration) float64 { return float64(d) / float64(r.n) / 1e6 }
			tot := per(kr.selfCPU) + per(kr.s3CPU) + per(kr.pgCPU)
			fmt.Printf("| %d | %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.0f /s |\n", r.workers, names[k], per(kr.selfCPU), per(kr.s3CPU), per(kr.pgCPU), tot, float64(ncpu)*1e3/tot)
		}
	}
	fmt.Println("\nWhere the time of the median S3 + PostgreSQL run goes (sums over the calls, per object):")
	fmt.Println()
	fmt.Println("| workers | Store (ms/object) | S3 PUT (Commit) | S3 buffering (Write) | index insert + audit seal | index lookup | rest of Store (parse, hash, record) | CPU radkit | CPU versitygw | CPU PostgreSQL |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, row := range rows {
		r := row.kinds[2]
		per := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(row.n)/1e6) }
		pct := func(d time.Duration) string {
			return fmt.Sprintf("%s (%.0f%%)", per(d), 100*float64(d)/float64(r.store))
		}
		rest := r.store - r.blobWrite - r.blobCommit - r.idxLookup - r.idxPut
		fmt.Printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.workers, per(r.store),
			pct(r.blobCommit), pct(r.blobWrite), pct(r.idxPut), pct(r.idxLookup), pct(rest), per(r.selfCPU), per(r.s3CPU), per(r.pgCPU))
	}
	fmt.Println("\nWhat the PostgreSQL sessions of that run were doing, sampled every 20 ms (pg_stat_activity; Lock:advisory is a store waiting for the audit sealing lock, which a concurrent sealer holds through its commit):")
	fmt.Println()
	for _, r := range rows {
		fmt.Printf("- %d workers: %s\n", r.workers, r.kinds[2].waits)
	}
	r := rows[0]
	fmt.Printf("\nParsing (header, pixel data skipped) %.1f µs/object, SHA-256 %.1f µs/object, measured apart on one goroutine.\n",
		float64(r.parse)/float64(r.n)/1e3, float64(r.hash)/float64(r.n)/1e3)
	fmt.Println("Per-object times are sums over the calls divided by the objects: with several workers they overlap, so they add up to more than the wall time.")
	fmt.Println("CPU columns are user+sys time per object of this process (radkit: parsing, hashing, the S3 and PostgreSQL clients), of versitygw and of every PostgreSQL process.")
	return nil
}

func removeBucket(ctx context.Context, cl *minio.Client, bucket string) error {
	objs := cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range cl.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			return e.Err
		}
	}
	return cl.RemoveBucket(ctx, bucket)
}

// cpu is CPU time (user+sys) of this process, of the S3 server and of the
// PostgreSQL server.
type cpu struct{ self, s3, pg time.Duration }

func cpuTimes(ctx context.Context, ix *pgindex.Index, s3Endpoint string) (cpu, error) {
	var c cpu
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return c, err
	}
	c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var err error
	if ix != nil {
		if c.pg, err = postgresCPU(ctx, ix); err != nil {
			return c, err
		}
	}
	c.s3, err = listenerCPU(s3Endpoint)
	return c, err
}

// sampleWaits samples, every 20 ms until stopped, what the sessions on
// database db are doing, and returns the shares of each state.
func sampleWaits(ctx context.Context, admin, db string) (stop func() string) {
	ctx, cancel := context.WithCancel(ctx)
	counts := map[string]int{}
	total := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		for ctx.Err() == nil {
			rows, err := conn.Query(ctx, `SELECT COALESCE(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity WHERE datname = $1 AND state <> 'idle'`, db)
			if err != nil {
				return
			}
			for rows.Next() {
				var w string
				if rows.Scan(&w) == nil {
					counts[w]++
					total++
				}
			}
			rows.Close()
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() string {
		cancel()
		<-done
		type kv struct {
			k string
			v int
		}
		var l []kv
		for k, v := range counts {
			l = append(l, kv{k, v})
		}
		slices.SortFunc(l, func(a, b kv) int { return b.v - a.v })
		var parts []string
		for _, e := range l {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", e.k, 100*float64(e.v)/float64(total)))
		}
		return fmt.Sprintf("%d samples of busy sessions: %s", total, strings.Join(parts, ", "))
	}
}
