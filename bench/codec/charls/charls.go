//go:build charls

// Package charls wraps CharLS 2 (Debian libcharls-dev) for radkit's codec
// benchmarks. It lives under bench/ only: radkit's library is pure Go, and
// the build tag keeps this cgo code out of ordinary builds and of CI,
// which need not have the C library.
package charls

// #cgo LDFLAGS: -lcharls
// #include <stdlib.h>
// #include <charls/charls.h>
import "C"

import (
	"fmt"
	"unsafe"
)

// Encode codes raw samples (one byte each up to 8 bits, two little-endian
// bytes beyond, pixel-interleaved) and returns the JPEG-LS stream.
func Encode(width, height, comps, bits, near, ilv int, src []byte) ([]byte, error) {
	enc := C.charls_jpegls_encoder_create()
	if enc == nil {
		return nil, fmt.Errorf("charls: cannot create encoder")
	}
	defer C.charls_jpegls_encoder_destroy(enc)
	fi := C.charls_frame_info{width: C.uint32_t(width), height: C.uint32_t(height), bits_per_sample: C.int32_t(bits), component_count: C.int32_t(comps)}
	if e := C.charls_jpegls_encoder_set_frame_info(enc, &fi); e != 0 {
		return nil, fmt.Errorf("charls: set_frame_info: %d", int(e))
	}
	if e := C.charls_jpegls_encoder_set_near_lossless(enc, C.int32_t(near)); e != 0 {
		return nil, fmt.Errorf("charls: set_near_lossless: %d", int(e))
	}
	if comps > 1 {
		if e := C.charls_jpegls_encoder_set_interleave_mode(enc, C.charls_interleave_mode(ilv)); e != 0 {
			return nil, fmt.Errorf("charls: set_interleave_mode: %d", int(e))
		}
	}
	var size C.size_t
	if e := C.charls_jpegls_encoder_get_estimated_destination_size(enc, &size); e != 0 {
		return nil, fmt.Errorf("charls: estimated size: %d", int(e))
	}
	dst := C.malloc(size)
	defer C.free(dst)
	if e := C.charls_jpegls_encoder_set_destination_buffer(enc, dst, size); e != 0 {
		return nil, fmt.Errorf("charls: set_destination_buffer: %d", int(e))
	}
	csrc := C.CBytes(src)
	defer C.free(csrc)
	if e := C.charls_jpegls_encoder_encode_from_buffer(enc, csrc, C.size_t(len(src)), 0); e != 0 {
		return nil, fmt.Errorf("charls: encode: %d", int(e))
	}
	var n C.size_t
	C.charls_jpegls_encoder_get_bytes_written(enc, &n)
	return C.GoBytes(dst, C.int(n)), nil
}

// Buffers holds C copies of an input and an output so that timed loops
// measure CharLS, not cgo copies.
type Buffers struct {
	src, dst       unsafe.Pointer
	srcLen, dstLen int
}

// NewBuffers copies src to C memory and allocates dstLen bytes.
func NewBuffers(src []byte, dstLen int) *Buffers {
	return &Buffers{src: C.CBytes(src), dst: C.malloc(C.size_t(dstLen)), srcLen: len(src), dstLen: dstLen}
}

// Free releases the buffers.
func (b *Buffers) Free() { C.free(b.src); C.free(b.dst) }

// Output returns a copy of the first n output bytes.
func (b *Buffers) Output(n int) []byte { return C.GoBytes(b.dst, C.int(n)) }

// DecodeBuffers decodes the stream in b's input to b's output.
func DecodeBuffers(b *Buffers) error {
	dec := C.charls_jpegls_decoder_create()
	if dec == nil {
		return fmt.Errorf("charls: cannot create decoder")
	}
	defer C.charls_jpegls_decoder_destroy(dec)
	if e := C.charls_jpegls_decoder_set_source_buffer(dec, b.src, C.size_t(b.srcLen)); e != 0 {
		return fmt.Errorf("charls: set_source_buffer: %d", int(e))
	}
	if e := C.charls_jpegls_decoder_read_header(dec); e != 0 {
		return fmt.Errorf("charls: read_header: %d", int(e))
	}
	if e := C.charls_jpegls_decoder_decode_to_buffer(dec, b.dst, C.size_t(b.dstLen), 0); e != 0 {
		return fmt.Errorf("charls: decode: %d", int(e))
	}
	return nil
}

// EncodeBuffers codes b's input (raw samples) into b's output and returns
// the number of bytes written.
func EncodeBuffers(b *Buffers, width, height, comps, bits, near, ilv int) (int, error) {
	enc := C.charls_jpegls_encoder_create()
	if enc == nil {
		return 0, fmt.Errorf("charls: cannot create encoder")
	}
	defer C.charls_jpegls_encoder_destroy(enc)
	fi := C.charls_frame_info{width: C.uint32_t(width), height: C.uint32_t(height), bits_per_sample: C.int32_t(bits), component_count: C.int32_t(comps)}
	if e := C.charls_jpegls_encoder_set_frame_info(enc, &fi); e != 0 {
		return 0, fmt.Errorf("charls: set_frame_info: %d", int(e))
	}
	C.charls_jpegls_encoder_set_near_lossless(enc, C.int32_t(near))
	if comps > 1 {
		C.charls_jpegls_encoder_set_interleave_mode(enc, C.charls_interleave_mode(ilv))
	}
	if e := C.charls_jpegls_encoder_set_destination_buffer(enc, b.dst, C.size_t(b.dstLen)); e != 0 {
		return 0, fmt.Errorf("charls: set_destination_buffer: %d", int(e))
	}
	if e := C.charls_jpegls_encoder_encode_from_buffer(enc, b.src, C.size_t(b.srcLen), 0); e != 0 {
		return 0, fmt.Errorf("charls: encode: %d", int(e))
	}
	var n C.size_t
	C.charls_jpegls_encoder_get_bytes_written(enc, &n)
	return int(n), nil
}

// Decode decodes a JPEG-LS stream into a Go slice of dstLen bytes.
func Decode(src []byte, dstLen int) ([]byte, error) {
	b := NewBuffers(src, dstLen)
	defer b.Free()
	if err := DecodeBuffers(b); err != nil {
		return nil, err
	}
	return b.Output(dstLen), nil
}
