package dicomio

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Frames returns the compressed frames of encapsulated pixel data in ds,
// one byte slice per frame, reassembling frames split over several
// fragments. Frame boundaries come, in this order, from the Extended Offset
// Table (7FE0,0001) with its lengths (7FE0,0002), the Basic Offset Table,
// one fragment per frame when Number of Frames equals the fragment count, a
// single frame holding every fragment, and finally the start-of-image
// markers of JPEG, JPEG-LS and JPEG 2000 codestreams. When none applies the
// error wraps [ErrMalformed] rather than guess.
func Frames(ds *Dataset) ([][]byte, error) {
	e := ds.Get(TagPixelData)
	if e == nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, TagPixelData)
	}
	if e.Fragments == nil {
		return nil, fmt.Errorf("dicomio: pixel data is not encapsulated")
	}
	nframes := 1
	if v, err := ds.Int(TagNumberOfFrames); err == nil && v > 0 {
		nframes = int(v)
	}
	fr := e.Fragments
	starts := fragmentStarts(fr.Items)
	if eot := ds.Get(TagExtendedOffsetTable); eot != nil && len(eot.Value) > 0 {
		offs := eot.Uint64s()
		var lens []uint64
		if l := ds.Get(TagExtendedOffsetTableLengths); l != nil {
			lens = l.Uint64s()
		}
		out, err := framesFromOffsets(fr.Items, starts, offs)
		if err != nil {
			return nil, fmt.Errorf("extended offset table: %w", err)
		}
		if len(lens) == len(out) {
			for i, f := range out {
				// The lengths exclude a trailing pad byte.
				if uint64(len(f)) != lens[i] && uint64(len(f)) != lens[i]+1 {
					return nil, malformed("frame %d is %d bytes, extended offset table lengths say %d", i, len(f), lens[i])
				}
				out[i] = f[:lens[i]]
			}
		}
		return out, nil
	}
	if len(fr.BasicOffsetTable) > 0 {
		offs := make([]uint64, len(fr.BasicOffsetTable))
		for i, o := range fr.BasicOffsetTable {
			offs[i] = uint64(o)
		}
		out, err := framesFromOffsets(fr.Items, starts, offs)
		if err != nil {
			return nil, fmt.Errorf("basic offset table: %w", err)
		}
		return out, nil
	}
	switch {
	case nframes == len(fr.Items):
		return fr.Items, nil
	case nframes == 1:
		return [][]byte{bytes.Join(fr.Items, nil)}, nil
	}
	var out [][]byte
	for _, it := range fr.Items {
		if len(out) == 0 || isCodestreamStart(it) {
			out = append(out, append([]byte(nil), it...))
			continue
		}
		out[len(out)-1] = append(out[len(out)-1], it...)
	}
	if len(out) != nframes {
		return nil, malformed("cannot tell the boundaries of %d frames in %d fragments with no offset table", nframes, len(fr.Items))
	}
	return out, nil
}

func isCodestreamStart(b []byte) bool {
	return len(b) >= 4 && b[0] == 0xFF && (b[1] == 0xD8 || (b[1] == 0x4F && b[2] == 0xFF && b[3] == 0x51))
}

// fragmentStarts gives each fragment's item offset from the first fragment
// item, as offset tables count them.
func fragmentStarts(items [][]byte) []uint64 {
	starts := make([]uint64, len(items))
	var pos uint64
	for i, it := range items {
		starts[i] = pos
		pos += 8 + uint64(len(it)+len(it)%2)
	}
	return starts
}

func framesFromOffsets(items [][]byte, starts, offs []uint64) ([][]byte, error) {
	idx := make(map[uint64]int, len(starts))
	for i, s := range starts {
		idx[s] = i
	}
	out := make([][]byte, 0, len(offs))
	for k, o := range offs {
		first, ok := idx[o]
		if !ok {
			return nil, malformed("offset %d of frame %d is not the start of a fragment", o, k)
		}
		last := len(items)
		if k+1 < len(offs) {
			next, ok := idx[offs[k+1]]
			if !ok || next <= first {
				return nil, malformed("offset %d of frame %d is not after frame %d", offs[k+1], k+1, k)
			}
			last = next
		}
		if last-first == 1 {
			out = append(out, items[first])
			continue
		}
		out = append(out, bytes.Join(items[first:last], nil))
	}
	return out, nil
}

// EncapsulateFrames sets the pixel data of ds to the given compressed
// frames, each split into fragments of at most maxFragment bytes (0: one
// fragment per frame), with a Basic Offset Table; when the offsets would not
// fit in 32 bits (over 4 GiB) it writes an empty Basic Offset Table and the
// Extended Offset Table instead (PS3.5 A.4).
func EncapsulateFrames(ds *Dataset, frames [][]byte, maxFragment int) {
	fr := &Fragments{}
	var offs, lens []uint64
	var pos uint64
	for _, f := range frames {
		offs = append(offs, pos)
		lens = append(lens, uint64(len(f)))
		rest := f
		for first := true; first || len(rest) > 0; first = false {
			n := len(rest)
			if maxFragment > 0 && n > maxFragment {
				n = maxFragment &^ 1
			}
			frag := rest[:n]
			if len(frag)%2 == 1 {
				frag = append(append([]byte(nil), frag...), 0)
			}
			fr.Items = append(fr.Items, frag)
			pos += 8 + uint64(len(frag))
			rest = rest[n:]
		}
	}
	ds.Delete(TagExtendedOffsetTable)
	ds.Delete(TagExtendedOffsetTableLengths)
	if pos > 0xFFFFFFFF {
		ds.SetBytes(TagExtendedOffsetTable, OV, u64bytes(offs))
		ds.SetBytes(TagExtendedOffsetTableLengths, OV, u64bytes(lens))
	} else {
		for _, o := range offs {
			fr.BasicOffsetTable = append(fr.BasicOffsetTable, uint32(o))
		}
	}
	ds.Set(&Element{Tag: TagPixelData, VR: OB, Fragments: fr, UndefinedLength: true})
}

func u64bytes(v []uint64) []byte {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b
}
