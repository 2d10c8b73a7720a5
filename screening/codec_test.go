package screening

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fillPayload sets every exported field of a zero payload of kind k to a
// non-zero value derived from seed.
func fillPayload(t *testing.T, k Kind, seed int) Payload {
	t.Helper()
	p, _ := kindSpecs[k].decode(nil)
	v := reflect.New(reflect.TypeOf(p)).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		switch {
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(time.Date(2029, 2, 1, 15, seed%60, 0, 0, time.UTC)))
		case f.Kind() == reflect.String:
			f.SetString("v" + string(rune('a'+seed%26)))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Kind() >= reflect.Int && f.Kind() <= reflect.Int64:
			f.SetInt(int64(-seed - 1))
		case f.Kind() >= reflect.Uint && f.Kind() <= reflect.Uint64:
			f.SetUint(uint64(seed%5 + 1))
		case f.Kind() == reflect.Float64:
			f.SetFloat(float64(seed) + 0.25)
		case f.Kind() == reflect.Slice:
			s := reflect.MakeSlice(f.Type(), 2, 2)
			s.Index(0).SetString("x")
			s.Index(1).SetString("é")
			f.Set(s)
		}
	}
	return v.Interface().(Payload)
}

// TestPayloadCodecRoundTrip: every kind, with every field zero and with
// every field set, decodes to what was encoded; the JSON form (older
// records, exports) still decodes; a zero payload encodes to nothing.
func TestPayloadCodecRoundTrip(t *testing.T) {
	for k, spec := range kindSpecs {
		zero, _ := spec.decode(nil)
		for i, p := range []Payload{zero, fillPayload(t, k, 3), fillPayload(t, k, 17)} {
			b, err := EncodePayload(p)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			if i == 0 && b != nil {
				t.Errorf("%s: zero payload encoded to %d bytes", k, len(b))
			}
			got, err := DecodePayload(k, b)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Errorf("%s: round trip\n got %#v\nwant %#v", k, got, p)
			}
			if i == 0 {
				continue
			}
			j, _ := json.Marshal(p)
			fromJSON, err := DecodePayload(k, j)
			if err != nil {
				t.Fatalf("%s: JSON form: %v", k, err)
			}
			jb, _ := json.Marshal(fromJSON)
			if string(jb) != string(j) {
				t.Errorf("%s: JSON form decodes to %s, want %s", k, jb, j)
			}
		}
	}
}

// TestPayloadCodecEvolution: a field the type no longer has is skipped;
// a truncated record or a field stored with another type is an error,
// not a panic.
func TestPayloadCodecEvolution(t *testing.T) {
	b, _ := EncodePayload(Reminder{N: 2, Kit: true, Channel: ChannelPost})
	// Append a field unknown to Reminder.
	extra := append(append([]byte(nil), b...), 5, 'L', 'a', 't', 'e', 'r', 's', 2, 'h', 'i')
	got, err := DecodePayload(KindReminder, extra)
	if err != nil || got != (Reminder{N: 2, Kit: true, Channel: ChannelPost}) {
		t.Fatalf("unknown field: %#v, %v", got, err)
	}
	if _, err := DecodePayload(KindReminder, b[:len(b)-1]); err == nil {
		t.Fatal("a record cut inside a string decoded")
	}
	bad := []byte{binaryPayload, 1, 'N', 's', 1, 'x'} // N stored as a string
	if _, err := DecodePayload(KindReminder, bad); err == nil {
		t.Fatal("a field stored with another type decoded")
	}
	if _, err := DecodePayload(KindReminder, []byte{binaryPayload, 9, 'N'}); err == nil {
		t.Fatal("a truncated record decoded")
	}
	if _, err := DecodePayload("nope", nil); err == nil {
		t.Fatal("unknown kind decoded")
	}
}
