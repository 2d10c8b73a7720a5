package dicomio

import (
	"encoding/binary"
	"math"
)

// Element is one data element of a data set.
//
// Exactly one of Value, Items and Fragments is meaningful, according to the
// element's form: a sequence (VR SQ) has Items; encapsulated pixel data has
// Fragments; every other element has Value.
type Element struct {
	Tag Tag
	VR  VR

	// Value is the value field as stored, padding included. Binary numbers
	// are little-endian whatever the transfer syntax they were read from;
	// strings are the bytes of the file, in the data set's character set
	// (see [Dataset.String] and [CharacterSet]). Nothing is trimmed.
	Value []byte

	// Items are the items of a sequence.
	Items []*Dataset

	// Fragments holds encapsulated (compressed) pixel data.
	Fragments *Fragments

	// Source, when non-nil, supplies the value at write time instead of
	// Value or Fragments (see [ValueSource]).
	Source ValueSource

	// UndefinedLength records that a sequence or encapsulated pixel data
	// was read with undefined length; the writer keeps that form unless
	// [WriteOptions.Sequences] says otherwise.
	UndefinedLength bool

	// notLoaded marks pixel data skipped on read; the writer refuses it.
	notLoaded bool
	// length is the value length read, kept for skipped values.
	length int64
}

// Fragments is the content of encapsulated pixel data (PS3.5 A.4): the
// Basic Offset Table of the first item and the fragments of the following
// items.
type Fragments struct {
	// BasicOffsetTable holds, for each frame, the offset of its first
	// fragment's item tag, measured from the first byte of the item that
	// follows the offset table. It is empty when the encoder left it empty.
	BasicOffsetTable []uint32
	// Items are the fragments' bytes, each of even length.
	Items [][]byte
}

// Loaded reports whether the element's value is in memory. It is false only
// for pixel data read with [PixelDataSkip].
func (e *Element) Loaded() bool { return !e.notLoaded }

// ValueLength is the length of the value field as read or as it would be
// written for a defined-length non-sequence element.
func (e *Element) ValueLength() int64 {
	if e.notLoaded {
		return e.length
	}
	return int64(len(e.Value))
}

// Uint16s decodes a US or OW value.
func (e *Element) Uint16s() []uint16 {
	out := make([]uint16, len(e.Value)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(e.Value[2*i:])
	}
	return out
}

// Uint32s decodes a UL or OL value.
func (e *Element) Uint32s() []uint32 {
	out := make([]uint32, len(e.Value)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(e.Value[4*i:])
	}
	return out
}

// Uint64s decodes a UV or OV value.
func (e *Element) Uint64s() []uint64 {
	out := make([]uint64, len(e.Value)/8)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(e.Value[8*i:])
	}
	return out
}

// Float64s decodes an FD or OD value.
func (e *Element) Float64s() []float64 {
	out := make([]float64, len(e.Value)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(e.Value[8*i:]))
	}
	return out
}

// Float32s decodes an FL or OF value.
func (e *Element) Float32s() []float32 {
	out := make([]float32, len(e.Value)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(e.Value[4*i:]))
	}
	return out
}

// Ints decodes an integer value of any binary integer VR (US, SS, UL, SL,
// UV, SV) as int64s.
func (e *Element) Ints() []int64 {
	var out []int64
	switch e.VR {
	case US, OW:
		for _, v := range e.Uint16s() {
			out = append(out, int64(v))
		}
	case SS:
		for _, v := range e.Uint16s() {
			out = append(out, int64(int16(v)))
		}
	case UL, OL:
		for _, v := range e.Uint32s() {
			out = append(out, int64(v))
		}
	case SL:
		for _, v := range e.Uint32s() {
			out = append(out, int64(int32(v)))
		}
	case UV, OV, SV:
		for _, v := range e.Uint64s() {
			out = append(out, int64(v))
		}
	}
	return out
}

// Clone returns a deep copy of e.
func (e *Element) Clone() *Element {
	c := *e
	if e.Value != nil {
		c.Value = append([]byte(nil), e.Value...)
	}
	if e.Items != nil {
		c.Items = make([]*Dataset, len(e.Items))
		for i, it := range e.Items {
			c.Items[i] = it.Clone()
		}
	}
	if e.Fragments != nil {
		f := &Fragments{BasicOffsetTable: append([]uint32(nil), e.Fragments.BasicOffsetTable...)}
		for _, it := range e.Fragments.Items {
			f.Items = append(f.Items, append([]byte(nil), it...))
		}
		c.Fragments = f
	}
	return &c
}
