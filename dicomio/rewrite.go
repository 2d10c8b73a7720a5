package dicomio

import (
	"context"
	"io"
	"os"
)

// RewriteOptions steer [Rewrite].
type RewriteOptions struct {
	Read  ReadOptions
	Write WriteOptions
	// EditTrailing, when set, is called with the elements that follow the
	// pixel data in the input (trailing padding, digital signatures,
	// private groups above 7FE0) before they are written; it may change
	// or delete them. A de-identifier must set it: edit never sees these
	// elements. nil copies them as read.
	EditTrailing func(*Dataset) error
}

// Rewrite reads a Part 10 stream from r, lets edit change its header (file
// meta information and every element before the pixel data), and writes
// the result to w with the pixel data passed through unread: the heap stays
// at a few megabytes whatever the size of the object, so that a 1 GB breast
// tomosynthesis object is re-identified or relabelled as cheaply as a CT
// slice. Elements after the pixel data (trailing padding, rare high tags)
// are copied after it; edit does not see them, [RewriteOptions.EditTrailing]
// does.
//
// Changing between native transfer syntaxes is allowed (implicit ↔
// explicit little endian ↔ deflated; explicit big endian input is swapped on
// the fly). edit may be nil. ctx is checked between chunks, so a
// cancellation stops a long copy promptly; w then holds a partial stream,
// which is why callers writing files should use [RewriteFile].
func Rewrite(ctx context.Context, r io.Reader, w io.Writer, edit func(*File) error, opts *RewriteOptions) error {
	var o RewriteOptions
	if opts != nil {
		o = *opts
	}
	o.Read.PixelData = PixelDataStream
	// From a regular file the pixel data moves file to file in the kernel
	// (see streamSource.copyFromFile): the buffers only carry the header,
	// and what the read buffer holds beyond it goes through user space,
	// so they are kept small: per CT slice of a batch, 96 KiB less to
	// allocate and 48 KiB less of pixel data through user space.
	bufSize := readBufferSize
	if _, ok := r.(*os.File); ok {
		bufSize = 16 << 10
	}
	d := newDecoderSize(r, &o.Read, bufSize)
	f, err := d.readFile()
	if err != nil {
		return err
	}
	if edit != nil {
		if err := edit(f); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cw := &ctxWriter{ctx: ctx, w: w}
	enc, err := newEncoderSize(cw, f, &o.Write, min(bufSize, writeBufferSize))
	if err != nil {
		return err
	}
	if err := enc.writeElements(f.Dataset.Elements()); err != nil {
		return err
	}
	if d.pending != nil {
		// edit removed the pixel data (or replaced it): the input still
		// has to be read past it to reach what follows.
		if err := d.pending.WriteValue(io.Discard); err != nil {
			return err
		}
	}
	if d.stopped {
		d.stopped = false
		rest := NewDataset()
		d.opts.PixelData = PixelDataLoad
		if err := d.readDataset(rest, -1, 0); err != nil {
			return err
		}
		if o.EditTrailing != nil && rest.Len() > 0 {
			if err := o.EditTrailing(rest); err != nil {
				return err
			}
		}
		if err := enc.writeElements(rest.Elements()); err != nil {
			return err
		}
	}
	return enc.close()
}

// RewriteFile is [Rewrite] from the file src to the file dst, written
// atomically (temporary file, fsync, rename): on any error dst is left as
// it was. src and dst may be the same path.
func RewriteFile(ctx context.Context, src, dst string, edit func(*File) error, opts *RewriteOptions) error {
	in, err := openFile(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(dst, func(w io.Writer) error {
		return Rewrite(ctx, in, w, edit, opts)
	})
}

// ctxWriter fails writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

// ReadFrom lets a file-to-file copy below reach copy_file_range; ctx is
// checked before it starts (the kernel copy itself is not interruptible
// piecewise).
func (c *ctxWriter) ReadFrom(r io.Reader) (int64, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if rf, ok := c.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	// Through Write, so that ctx is checked between chunks.
	return io.Copy(struct{ io.Writer }{c}, r)
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
