package dicomio

import (
	"bufio"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
)

// ReadDataset reads a bare data set, with no preamble and no file meta
// information, encoded in the transfer syntax uid: what the DICOM network
// protocol carries in its data PDVs (PS3.7, PS3.8) and what a DICOMweb
// bulk part may hold. The encoding is taken as declared, never guessed.
func ReadDataset(r io.Reader, uid string, opts *ReadOptions) (*Dataset, error) {
	ts, err := LookupTransferSyntax(uid)
	if err != nil {
		return nil, err
	}
	if opts != nil && opts.PixelData == PixelDataStream {
		return nil, fmt.Errorf("dicomio: ReadDataset cannot stream pixel data past its return")
	}
	d := newDecoder(r, opts)
	d.noDetect = true
	if err := d.startBody(ts); err != nil {
		return nil, err
	}
	ds := NewDataset()
	if err := d.readDataset(ds, -1, 0); err != nil {
		return nil, err
	}
	return ds, nil
}

// WriteDataset writes ds as a bare data set (no preamble, no file meta
// information) in the transfer syntax uid, with the same rules as
// [File.Write]: elements in order, even lengths, group lengths dropped
// unless kept, sequences per [WriteOptions.Sequences]. opts.TransferSyntax
// is ignored: uid says it.
func WriteDataset(w io.Writer, ds *Dataset, uid string, opts *WriteOptions) error {
	ts, err := LookupTransferSyntax(uid)
	if err != nil {
		return err
	}
	if ts.BigEndian {
		return &UnsupportedTransferSyntaxError{UID: uid, Reason: "explicit VR big endian is retired and only read, not written"}
	}
	if err := checkPixelLoaded(ds); err != nil {
		return err
	}
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	enc := &encoder{out: bufio.NewWriterSize(w, 64<<10), explicit: ts.ExplicitVR, inBody: true, opts: o}
	enc.w = enc.out
	if ts.Deflated {
		level := o.DeflateLevel
		if level == 0 {
			level = flate.DefaultCompression
		}
		enc.deflated = &countingWriter{w: enc.out}
		fw, err := flate.NewWriter(enc.deflated, level)
		if err != nil {
			return err
		}
		enc.fw, enc.w = fw, fw
	}
	if err := enc.writeElements(ds.Elements()); err != nil {
		return err
	}
	return enc.close()
}
