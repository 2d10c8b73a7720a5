package screening

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"
)

// The stores keep payloads in a compact binary form: a Due run over
// millions of people spends most of its time decoding logs, and JSON
// decoding was half of it. The form is self-describing so that payload
// types can gain fields (an old record decodes with the new field zero)
// and lose them (an unknown field is skipped):
//
//	0x01, then for each non-zero field:
//	uvarint len(name) | name | tag | value
//
// with tag 's' (string: uvarint length, bytes), 'b' (bool true: no
// value), 'i' (integer: varint), 'u' (unsigned: uvarint), 'f' (float64:
// 8 bytes little-endian), 't' (time.Time: uvarint length,
// MarshalBinary), 'l' ([]string: uvarint count, strings). A payload with
// no non-zero field is empty. [DecodePayload] also reads JSON (a record
// starting with '{'), the form of the first stores and of exports.

const binaryPayload = 0x01

type fieldPlan struct {
	name  string
	index int
	tag   byte
}

type payloadPlan struct {
	json   bool // a field has no binary form: the kind is stored as JSON
	typ    reflect.Type
	fields []fieldPlan
	byName map[string]int // index into fields
}

var timeType = reflect.TypeFor[time.Time]()

// payloadPlans is built once from kindSpecs and never changed.
var payloadPlans = buildPlans()

func buildPlans() map[Kind]*payloadPlan {
	out := map[Kind]*payloadPlan{}
	for k, spec := range kindSpecs {
		p, err := spec.decode(nil)
		if err != nil {
			panic(err) // decode(nil) of a zero payload cannot fail
		}
		t := reflect.TypeOf(p)
		pl := &payloadPlan{typ: t, byName: map[string]int{}}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			var tag byte
			switch {
			case f.Type == timeType:
				tag = 't'
			case f.Type.Kind() == reflect.String:
				tag = 's'
			case f.Type.Kind() == reflect.Bool:
				tag = 'b'
			case f.Type.Kind() >= reflect.Int && f.Type.Kind() <= reflect.Int64:
				tag = 'i'
			case f.Type.Kind() >= reflect.Uint && f.Type.Kind() <= reflect.Uint64:
				tag = 'u'
			case f.Type.Kind() == reflect.Float64:
				tag = 'f'
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
				tag = 'l'
			default:
				pl.json = true
			}
			pl.byName[f.Name] = len(pl.fields)
			pl.fields = append(pl.fields, fieldPlan{f.Name, i, tag})
		}
		out[k] = pl
	}
	return out
}

// EncodePayload returns the encoding of an event's payload that stores
// keep next to the event's kind (the binary form described above, nil
// for a payload with no non-zero field); [DecodePayload] reads it back.
func EncodePayload(p Payload) ([]byte, error) {
	if p == nil {
		return nil, errors.New("screening: no payload")
	}
	pl, ok := payloadPlans[p.Kind()]
	if !ok || reflect.TypeOf(p) != pl.typ {
		return nil, fmt.Errorf("%w: payload %T", ErrUnknownCode, p)
	}
	if pl.json {
		b, err := json.Marshal(p)
		if err != nil || string(b) == "{}" {
			return nil, err
		}
		return b, nil
	}
	v := reflect.ValueOf(p)
	var b []byte
	for _, f := range pl.fields {
		fv := v.Field(f.index)
		if fv.IsZero() {
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, 32), binaryPayload)
		}
		b = binary.AppendUvarint(b, uint64(len(f.name)))
		b = append(b, f.name...)
		b = append(b, f.tag)
		switch f.tag {
		case 's':
			s := fv.String()
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		case 'b':
		case 'i':
			b = binary.AppendVarint(b, fv.Int())
		case 'u':
			b = binary.AppendUvarint(b, fv.Uint())
		case 'f':
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(fv.Float()))
		case 't':
			tb, err := fv.Interface().(time.Time).MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("screening: payload %s field %s: %w", p.Kind(), f.name, err)
			}
			b = binary.AppendUvarint(b, uint64(len(tb)))
			b = append(b, tb...)
		case 'l':
			b = binary.AppendUvarint(b, uint64(fv.Len()))
			for i := 0; i < fv.Len(); i++ {
				s := fv.Index(i).String()
				b = binary.AppendUvarint(b, uint64(len(s)))
				b = append(b, s...)
			}
		}
	}
	return b, nil
}

var errPayloadCorrupt = errors.New("screening: corrupt binary payload")

// DecodePayload decodes a payload of kind k written by [EncodePayload],
// or its JSON form. An unknown kind is an error wrapping
// [ErrUnknownCode].
func DecodePayload(k Kind, b []byte) (Payload, error) {
	spec, ok := kindSpecs[k]
	if !ok {
		return nil, fmt.Errorf("%w: event kind %q", ErrUnknownCode, k)
	}
	pl := payloadPlans[k]
	if len(b) == 0 || b[0] != binaryPayload || pl.json {
		return spec.decode(b)
	}
	v := reflect.New(pl.typ).Elem()
	b = b[1:]
	bytesOf := func() ([]byte, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, false
		}
		s := b[w : w+int(n)]
		b = b[w+int(n):]
		return s, true
	}
	for len(b) > 0 {
		name, ok := bytesOf()
		if !ok || len(b) == 0 {
			return nil, errPayloadCorrupt
		}
		tag := b[0]
		b = b[1:]
		fi, known := pl.byName[string(name)]
		var fv reflect.Value
		if known {
			if pl.fields[fi].tag != tag {
				return nil, fmt.Errorf("screening: payload %s field %s: stored as %q, now %q", k, name, tag, pl.fields[fi].tag)
			}
			fv = v.Field(pl.fields[fi].index)
		}
		switch tag {
		case 's':
			s, ok := bytesOf()
			if !ok {
				return nil, errPayloadCorrupt
			}
			if known {
				fv.SetString(string(s))
			}
		case 'b':
			if known {
				fv.SetBool(true)
			}
		case 'i':
			x, w := binary.Varint(b)
			if w <= 0 {
				return nil, errPayloadCorrupt
			}
			b = b[w:]
			if known {
				fv.SetInt(x)
			}
		case 'u':
			x, w := binary.Uvarint(b)
			if w <= 0 {
				return nil, errPayloadCorrupt
			}
			b = b[w:]
			if known {
				fv.SetUint(x)
			}
		case 'f':
			if len(b) < 8 {
				return nil, errPayloadCorrupt
			}
			x := math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
			if known {
				fv.SetFloat(x)
			}
		case 't':
			tb, ok := bytesOf()
			if !ok {
				return nil, errPayloadCorrupt
			}
			if known {
				var t time.Time
				if err := t.UnmarshalBinary(tb); err != nil {
					return nil, fmt.Errorf("screening: payload %s field %s: %w", k, name, err)
				}
				fv.Set(reflect.ValueOf(t))
			}
		case 'l':
			n, w := binary.Uvarint(b)
			if w <= 0 || n > uint64(len(b)) {
				return nil, errPayloadCorrupt
			}
			b = b[w:]
			var ss reflect.Value
			if known {
				ss = reflect.MakeSlice(fv.Type(), int(n), int(n))
			}
			for i := range int(n) {
				s, ok := bytesOf()
				if !ok {
					return nil, errPayloadCorrupt
				}
				if known {
					ss.Index(i).SetString(string(s))
				}
			}
			if known {
				fv.Set(ss)
			}
		default:
			return nil, errPayloadCorrupt
		}
	}
	return v.Interface().(Payload), nil
}
