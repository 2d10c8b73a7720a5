package s3blob

import (
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
)

// Benchmark sizes: a typical CT/MR instance, and a large object (a
// mammography tomosynthesis or an enhanced multi-frame) that goes
// multipart with 5 MiB parts.
var benchSizes = []int{512 << 10, 24 << 20}

func benchName(size int) string {
	if size >= 1<<20 {
		return fmt.Sprintf("%dMiB", size>>20)
	}
	return fmt.Sprintf("%dKiB", size>>10)
}

func BenchmarkPut(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(benchName(size), func(b *testing.B) {
			s := newStore(b)
			ctx := b.Context()
			data := randomBytes(size, 42)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := uint64(0)
			for b.Loop() {
				i++
				binary.LittleEndian.PutUint64(data, i) // new content, new key
				w, err := s.Create(ctx)
				if err != nil {
					b.Fatal(err)
				}
				w.Write(data)
				if _, err := w.Commit(ctx, dicomarchive.Digest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(benchName(size), func(b *testing.B) {
			s := newStore(b)
			ctx := b.Context()
			w, _ := s.Create(ctx)
			w.Write(randomBytes(size, 43))
			info, err := w.Commit(ctx, dicomarchive.Digest{})
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256<<10)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				rc, err := s.Open(ctx, info.Digest)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, rc, buf)
				rc.Close()
				if err != nil || n != int64(size) {
					b.Fatal(n, err)
				}
			}
		})
	}
}
