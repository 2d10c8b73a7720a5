package sqlitestore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/radkit/radkit/screening"
)

// A log is a sequence of records, each self-delimited, so that appending
// events is appending bytes:
//
//	uvarint len(ID) | ID | programme (1 byte) | varint date |
//	uvarint len(kind) | kind | uvarint len(payload) | payload
//
// The payload is screening.EncodePayload's JSON, which tolerates fields
// being added to a payload type later.

func appendRecord(dst []byte, ev *screening.Event) ([]byte, error) {
	data, err := screening.EncodePayload(ev.Data)
	if err != nil {
		return dst, fmt.Errorf("sqlitestore: event %s: %w", ev.ID, err)
	}
	dst = binary.AppendUvarint(dst, uint64(len(ev.ID)))
	dst = append(dst, ev.ID...)
	dst = append(dst, byte(ev.Programme))
	dst = binary.AppendVarint(dst, int64(ev.Date))
	k := ev.Kind()
	dst = binary.AppendUvarint(dst, uint64(len(k)))
	dst = append(dst, k...)
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...), nil
}

var errCorrupt = errors.New("sqlitestore: corrupt log record")

// decodeLog appends the events of b to out and sorts them canonically
// (the appended ones only: out may hold other people's logs before them).
// The strings are copied: b may be reused by the driver.
func decodeLog(person screening.PersonID, b []byte, out []screening.Event) ([]screening.Event, error) {
	start := len(out)
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	for len(b) > 0 {
		id, ok := str()
		if !ok || len(b) < 1 {
			return out, errCorrupt
		}
		prog := screening.Programme(b[0])
		b = b[1:]
		date, k := binary.Varint(b)
		if k <= 0 {
			return out, errCorrupt
		}
		b = b[k:]
		kind, ok := str()
		if !ok {
			return out, errCorrupt
		}
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return out, errCorrupt
		}
		p, err := screening.DecodePayload(screening.Kind(kind), b[k:k+int(n)])
		if err != nil {
			return out, fmt.Errorf("sqlitestore: person %s event %s: %w", person, id, err)
		}
		b = b[k+int(n):]
		out = append(out, screening.Event{ID: screening.EventID(id), Person: person, Programme: prog, Date: screening.Date(date), Data: p})
	}
	screening.SortEvents(out[start:])
	return out, nil
}
