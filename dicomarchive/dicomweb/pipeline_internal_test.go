package dicomweb

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
)

// badEnd reads like its data, then fails where a clean reader would
// return io.EOF: an object whose digest check failed.
type badEnd struct {
	r   *bytes.Reader
	err error
}

func (b *badEnd) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		return n, b.err
	}
	return n, err
}

func objects(sizes []int, failAt int, failure error) (func(context.Context, func(*dicomarchive.Object) error) error, [][]byte) {
	var data [][]byte
	for i, n := range sizes {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(i*31 + j*7)
		}
		data = append(data, b)
	}
	walk := func(ctx context.Context, fn func(*dicomarchive.Object) error) error {
		for i, b := range data {
			var err error
			if i == failAt {
				err = failure
			}
			obj := &dicomarchive.Object{ReadCloser: io.NopCloser(&badEnd{r: bytes.NewReader(b), err: err}),
				Instance: dicomarchive.Instance{SOPInstanceUID: string(rune('a' + i))}}
			if err := fn(obj); err != nil {
				return err
			}
		}
		return nil
	}
	return walk, data
}

// collect runs pipeline and returns the parts as sink saw them.
func collect(t *testing.T, walk func(context.Context, func(*dicomarchive.Object) error) error, sinkErrAfter int) ([][]byte, error) {
	t.Helper()
	var parts [][]byte
	calls := 0
	err := pipeline(context.Background(), walk, func(m message) error {
		calls++
		if sinkErrAfter > 0 && calls > sinkErrAfter {
			return errSink
		}
		if m.part != nil {
			parts = append(parts, nil)
			return nil
		}
		if len(parts) == 0 {
			t.Fatal("data before the first part")
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], m.data...)
		return nil
	})
	return parts, err
}

var errSink = errors.New("client went away")

func TestPipelineDeliversEveryByteInOrder(t *testing.T) {
	sizes := []int{0, 1, pipelineChunk - 1, pipelineChunk, pipelineChunk + 1, 2 * pipelineChunk, 5*pipelineChunk + 17, 3}
	walk, data := objects(sizes, -1, nil)
	parts, err := collect(t, walk, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != len(data) {
		t.Fatalf("%d parts, want %d", len(parts), len(data))
	}
	for i := range data {
		if !bytes.Equal(parts[i], data[i]) {
			t.Errorf("part %d (%d bytes): got %d bytes, different", i, len(data[i]), len(parts[i]))
		}
	}
}

func TestPipelineHoldsBackTheEndOfACorruptObject(t *testing.T) {
	corrupt := &dicomarchive.CorruptBlobError{Size: 1}
	for _, size := range []int{10, pipelineChunk, pipelineChunk + 1, 3 * pipelineChunk} {
		walk, data := objects([]int{pipelineChunk + 5, size, 100}, 1, corrupt)
		parts, err := collect(t, walk, 0)
		if !errors.Is(err, dicomarchive.ErrCorrupt) {
			t.Fatalf("size %d: error %v, want the corrupt blob", size, err)
		}
		if len(parts) != 2 || !bytes.Equal(parts[0], data[0]) {
			t.Fatalf("size %d: %d parts, first complete %v", size, len(parts), len(parts) > 0 && bytes.Equal(parts[0], data[0]))
		}
		// The corrupt object's bytes stop short of its end: its last
		// chunk never reached the client.
		if len(parts[1]) >= len(data[1]) || !bytes.Equal(parts[1], data[1][:len(parts[1])]) {
			t.Fatalf("size %d: %d of the corrupt object's %d bytes delivered", size, len(parts[1]), len(data[1]))
		}
	}
}

func TestPipelineStopsOnSinkError(t *testing.T) {
	walk, _ := objects([]int{3 * pipelineChunk, 3 * pipelineChunk, 3 * pipelineChunk, 3 * pipelineChunk}, -1, nil)
	walked := make(chan error, 1)
	w := func(ctx context.Context, fn func(*dicomarchive.Object) error) error {
		err := walk(ctx, fn)
		walked <- err
		return err
	}
	_, err := collect(t, w, 2)
	if !errors.Is(err, errSink) {
		t.Fatalf("error %v, want the sink's", err)
	}
	// pipeline returned, so the walk has returned too, with the
	// cancellation rather than running to its end.
	select {
	case err := <-walked:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("walk ended with %v, want context.Canceled", err)
		}
	default:
		t.Fatal("pipeline returned before its walk")
	}
}
