package dicomweb

import (
	"context"
	"io"

	"github.com/radkit/radkit/dicomarchive"
)

// Sizes of the read-ahead of [pipeline]: up to pipelineBuffers chunks of
// pipelineChunk bytes per request (1 MiB), allocated as needed. A chunk
// is large enough that the per-chunk hand-off costs nothing next to
// hashing and copying it, and a few of them let the reader run one
// object ahead of the writer on a series of 512 KB CT slices.
const (
	pipelineChunk   = 256 << 10
	pipelineBuffers = 4
)

// message is one step of a multipart response: the start of a part (part
// set), or bytes of the current part.
type message struct {
	part *dicomarchive.Instance
	data []byte
}

// pipeline runs walk (which calls its function with each object to send,
// in order) in a second goroutine that reads every object ahead, in
// chunks, and hands the chunks to sink in the calling goroutine; the
// reading goroutine reads (and so hashes: [dicomarchive.Object] checks its
// digest as it is read) chunk n+1 while sink writes chunk n. sink sees the
// bytes of an object only as they are vouched for: the last chunk of an
// object is held back until the object's reader has returned io.EOF,
// which it does only after the whole object matched its digest; on a
// mismatch pipeline returns the [*dicomarchive.CorruptBlobError] and sink
// never receives the object's end. pipeline returns the first error of
// sink or walk; it returns only once the reading goroutine has stopped.
func pipeline(ctx context.Context, walk func(context.Context, func(*dicomarchive.Object) error) error, sink func(message) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		msg message
		buf []byte // returned to free once sink is done with it
	}
	msgs := make(chan item, pipelineBuffers+2)
	free := make(chan []byte, pipelineBuffers)
	walked := make(chan error, 1)
	go func() {
		allocated := 0
		get := func() ([]byte, error) {
			select {
			case b := <-free:
				return b, nil
			default:
			}
			if allocated < pipelineBuffers {
				allocated++
				return make([]byte, pipelineChunk), nil
			}
			select {
			case b := <-free:
				return b, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		send := func(it item) error {
			select {
			case msgs <- it:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := walk(ctx, func(obj *dicomarchive.Object) error {
			in := obj.Instance
			if err := send(item{msg: message{part: &in}}); err != nil {
				return err
			}
			var pending []byte
			for {
				buf, err := get()
				if err != nil {
					return err
				}
				n, err := fill(obj, buf)
				if n > 0 {
					if pending != nil {
						if err := send(item{msg: message{data: pending}, buf: pending[:cap(pending)]}); err != nil {
							return err
						}
					}
					pending = buf[:n]
				} else {
					free <- buf
				}
				switch {
				case err == nil:
					continue
				case err == io.EOF:
					// The object's reader reached its end and vouched
					// for every byte: release the held-back chunk.
					if pending != nil {
						return send(item{msg: message{data: pending}, buf: pending[:cap(pending)]})
					}
					return nil
				default:
					return err
				}
			}
		})
		walked <- err
		close(msgs)
	}()
	var sinkErr error
	for it := range msgs {
		if sinkErr == nil {
			if sinkErr = sink(it.msg); sinkErr != nil {
				cancel()
			}
		}
		if it.buf != nil {
			free <- it.buf
		}
	}
	if err := <-walked; sinkErr == nil {
		return err
	}
	return sinkErr
}

// fill reads into buf until it is full or r fails. Unlike io.ReadFull it
// returns r's own error, so that io.EOF means that r reached its end (and
// an object's reader, that it verified the object), never a truncation.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
