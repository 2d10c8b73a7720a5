package dicomio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Dataset is an ordered set of data elements: the body of a file, the file
// meta information, or one item of a sequence. Elements are kept sorted by
// tag, as PS3.5 7.1 requires.
//
// A Dataset is not safe for concurrent mutation.
type Dataset struct {
	elems []*Element
	// parent is the data set holding the sequence this item belongs to;
	// an item inherits its character set (PS3.5 7.5.3).
	parent *Dataset
}

// NewDataset returns an empty data set.
func NewDataset() *Dataset { return &Dataset{} }

func (d *Dataset) search(t Tag) (int, bool) {
	return slices.BinarySearchFunc(d.elems, t, func(e *Element, t Tag) int {
		switch {
		case e.Tag < t:
			return -1
		case e.Tag > t:
			return 1
		}
		return 0
	})
}

// Get returns the element with tag t, or nil.
func (d *Dataset) Get(t Tag) *Element {
	if d == nil {
		return nil
	}
	if i, ok := d.search(t); ok {
		return d.elems[i]
	}
	return nil
}

// Has reports whether the data set holds tag t.
func (d *Dataset) Has(t Tag) bool { return d.Get(t) != nil }

// Set inserts e, replacing any element with the same tag. Items of a
// sequence element become children of d (they inherit its character set).
func (d *Dataset) Set(e *Element) {
	for _, it := range e.Items {
		it.parent = d
	}
	i, ok := d.search(e.Tag)
	if ok {
		d.elems[i] = e
		return
	}
	d.elems = slices.Insert(d.elems, i, e)
}

// appendSorted appends e when the caller knows it sorts last (the decoder's
// fast path); it falls back to Set otherwise.
func (d *Dataset) appendSorted(e *Element) {
	if n := len(d.elems); n == 0 || d.elems[n-1].Tag < e.Tag {
		for _, it := range e.Items {
			it.parent = d
		}
		d.elems = append(d.elems, e)
		return
	}
	d.Set(e)
}

// Delete removes the element with tag t and reports whether it was there.
func (d *Dataset) Delete(t Tag) bool {
	i, ok := d.search(t)
	if ok {
		d.elems = slices.Delete(d.elems, i, i+1)
	}
	return ok
}

// DeleteFunc removes every top-level element for which del returns true.
func (d *Dataset) DeleteFunc(del func(*Element) bool) {
	d.elems = slices.DeleteFunc(d.elems, del)
}

// Elements returns the elements in tag order. The slice is d's own: do not
// modify it, use [Dataset.Set] and [Dataset.Delete].
func (d *Dataset) Elements() []*Element {
	if d == nil {
		return nil
	}
	return d.elems
}

// Len is the number of top-level elements.
func (d *Dataset) Len() int { return len(d.elems) }

// Parent returns the data set holding the sequence d is an item of, or nil.
func (d *Dataset) Parent() *Dataset { return d.parent }

// Clone returns a deep copy of d (its parent link is kept).
func (d *Dataset) Clone() *Dataset {
	c := &Dataset{elems: make([]*Element, len(d.elems)), parent: d.parent}
	for i, e := range d.elems {
		c.elems[i] = e.Clone()
		for _, it := range c.elems[i].Items {
			it.parent = c
		}
	}
	return c
}

// Walk calls fn for every element of d, depth first, items of a sequence
// after the sequence element itself. path holds the sequence tags from d to
// the element's data set. Returning a non-nil error stops the walk.
func (d *Dataset) Walk(fn func(path []Tag, e *Element) error) error {
	return d.walk(nil, fn)
}

func (d *Dataset) walk(path []Tag, fn func([]Tag, *Element) error) error {
	for _, e := range d.elems {
		if err := fn(path, e); err != nil {
			return err
		}
		for _, it := range e.Items {
			if err := it.walk(append(path, e.Tag), fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddItem appends an empty item to the sequence t (creating the sequence
// if needed) and returns it.
func (d *Dataset) AddItem(t Tag) *Dataset {
	e := d.Get(t)
	if e == nil || e.VR != SQ {
		e = &Element{Tag: t, VR: SQ}
		d.Set(e)
	}
	it := &Dataset{parent: d}
	e.Items = append(e.Items, it)
	return it
}

// SetSequence sets t to a sequence of the given items.
func (d *Dataset) SetSequence(t Tag, items ...*Dataset) {
	d.Set(&Element{Tag: t, VR: SQ, Items: items})
}

// CharacterSet returns the character set that applies to d: its own
// Specific Character Set, else that of the data set holding it.
func (d *Dataset) CharacterSet() (*CharacterSet, error) {
	for s := d; s != nil; s = s.parent {
		if e := s.Get(TagSpecificCharacterSet); e != nil {
			return ParseCharacterSet(splitValues(trimPadding(string(e.Value))))
		}
	}
	return ParseCharacterSet(nil)
}

// Strings returns the values of a string element decoded to UTF-8 under
// the data set's character set, with padding removed (leading and trailing
// spaces for most VRs, trailing only for LT, ST, UT, UR; PS3.5 6.2).
func (d *Dataset) Strings(t Tag) ([]string, error) {
	e := d.Get(t)
	if e == nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, t)
	}
	return d.decodeStrings(e)
}

func (d *Dataset) decodeStrings(e *Element) ([]string, error) {
	if !e.VR.IsString() {
		return nil, fmt.Errorf("dicomio: %v has VR %v, not a string VR", e.Tag, e.VR)
	}
	s := string(e.Value)
	if e.VR.usesCharset() {
		cs, err := d.CharacterSet()
		if err != nil {
			return nil, err
		}
		if s, err = cs.Decode(e.Value, e.VR); err != nil {
			return nil, err
		}
	}
	if len(s) == 0 {
		return nil, nil
	}
	var vals []string
	if e.VR.multiValued() {
		vals = strings.Split(s, `\`)
	} else {
		vals = []string{s}
	}
	for i, v := range vals {
		switch e.VR {
		case LT, ST, UT, UR:
			v = strings.TrimRight(v, " \x00")
		default:
			v = strings.Trim(v, " \x00")
		}
		vals[i] = v
	}
	return vals, nil
}

// String returns the first value of a string element, decoded and
// trimmed, or "" when the element is absent, empty or undecodable. Use
// [Dataset.Strings] to see errors.
func (d *Dataset) String(t Tag) string {
	v, err := d.Strings(t)
	if err != nil || len(v) == 0 {
		return ""
	}
	return v[0]
}

// SetStrings sets t to the given string values, encoded under the data
// set's character set and padded to an even length. A VR of 0 takes the
// dictionary's.
//
// The text is encoded when SetStrings is called, under the character set
// in force then: set Specific Character Set first, and build sequence items
// with [Dataset.AddItem] (which links them to their parent) rather than
// attaching a free-standing item later, or an accented name may be refused
// under the default repertoire. Values are never re-encoded behind the
// caller's back.
func (d *Dataset) SetStrings(t Tag, vr VR, values ...string) error {
	if vr == 0 {
		vr = dictVR(t)
	}
	if !vr.IsString() {
		return fmt.Errorf("dicomio: SetStrings(%v): VR %v is not a string VR", t, vr)
	}
	joined := strings.Join(values, `\`)
	b := []byte(joined)
	if vr.usesCharset() {
		cs, err := d.CharacterSet()
		if t == TagSpecificCharacterSet {
			cs, err = ParseCharacterSet(nil)
		}
		if err != nil {
			return err
		}
		if b, err = cs.Encode(joined, vr); err != nil {
			return fmt.Errorf("dicomio: %v: %w", t, err)
		}
	} else {
		for i := 0; i < len(b); i++ {
			if b[i] >= 0x80 {
				return fmt.Errorf("dicomio: %v: VR %v allows only the default repertoire, got %q", t, vr, joined)
			}
		}
	}
	if len(b)%2 == 1 {
		b = append(b, vr.padByte())
	}
	d.Set(&Element{Tag: t, VR: vr, Value: b})
	return nil
}

// MustSetStrings is SetStrings for values known to be encodable (ASCII);
// it panics on error, for use in generators and tests.
func (d *Dataset) MustSetStrings(t Tag, vr VR, values ...string) {
	if err := d.SetStrings(t, vr, values...); err != nil {
		panic(err)
	}
}

// SetBytes sets t to a binary value taken as is (little-endian numbers). It
// pads an odd-length value with a NUL byte.
func (d *Dataset) SetBytes(t Tag, vr VR, b []byte) {
	if vr == 0 {
		vr = dictVR(t)
	}
	if len(b)%2 == 1 {
		b = append(b, 0)
	}
	d.Set(&Element{Tag: t, VR: vr, Value: b})
}

// SetUint16s sets a US, SS or OW value.
func (d *Dataset) SetUint16s(t Tag, vr VR, v ...uint16) {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	d.SetBytes(t, vr, b)
}

// SetUint32s sets a UL, SL or OL value.
func (d *Dataset) SetUint32s(t Tag, vr VR, v ...uint32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	d.SetBytes(t, vr, b)
}

// SetFloat64s sets an FD or OD value.
func (d *Dataset) SetFloat64s(t Tag, vr VR, v ...float64) {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	d.SetBytes(t, vr, b)
}

// SetFloat32s sets an FL or OF value.
func (d *Dataset) SetFloat32s(t Tag, vr VR, v ...float32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	d.SetBytes(t, vr, b)
}

// SetTags sets an AT value.
func (d *Dataset) SetTags(t Tag, v ...Tag) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[4*i:], x.Group())
		binary.LittleEndian.PutUint16(b[4*i+2:], x.Element())
	}
	d.SetBytes(t, AT, b)
}

// Int returns the first value of an integer element: a binary integer VR
// (US, SS, UL, SL, UV, SV) or an Integer String (IS).
func (d *Dataset) Int(t Tag) (int64, error) {
	e := d.Get(t)
	if e == nil {
		return 0, fmt.Errorf("%w: %v", ErrNotFound, t)
	}
	if e.VR == IS || e.VR == DS {
		vals, err := d.decodeStrings(e)
		if err != nil || len(vals) == 0 {
			return 0, fmt.Errorf("dicomio: %v: empty integer string", t)
		}
		if e.VR == DS {
			f, err := strconv.ParseFloat(vals[0], 64)
			return int64(f), err
		}
		return strconv.ParseInt(vals[0], 10, 64)
	}
	v := e.Ints()
	if len(v) == 0 {
		return 0, fmt.Errorf("dicomio: %v: no integer value (VR %v)", t, e.VR)
	}
	return v[0], nil
}

// Equal reports whether two data sets hold the same elements with the
// same bytes (sequence items compared recursively).
func (d *Dataset) Equal(o *Dataset) bool {
	if len(d.elems) != len(o.elems) {
		return false
	}
	for i, a := range d.elems {
		if !a.Equal(o.elems[i]) {
			return false
		}
	}
	return true
}

// Equal reports whether two elements have the same tag, VR and content.
func (e *Element) Equal(o *Element) bool {
	if e.Tag != o.Tag || e.VR != o.VR || !bytes.Equal(e.Value, o.Value) ||
		len(e.Items) != len(o.Items) || (e.Fragments == nil) != (o.Fragments == nil) {
		return false
	}
	for i := range e.Items {
		if !e.Items[i].Equal(o.Items[i]) {
			return false
		}
	}
	if e.Fragments != nil {
		if !slices.Equal(e.Fragments.BasicOffsetTable, o.Fragments.BasicOffsetTable) ||
			len(e.Fragments.Items) != len(o.Fragments.Items) {
			return false
		}
		for i := range e.Fragments.Items {
			if !bytes.Equal(e.Fragments.Items[i], o.Fragments.Items[i]) {
				return false
			}
		}
	}
	return true
}

func trimPadding(s string) string { return strings.Trim(s, " \x00") }

func splitValues(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, `\`)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
