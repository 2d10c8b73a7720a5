package dimse

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// Command Field values (PS3.7 E.1).
const (
	cStoreRQ  uint16 = 0x0001
	cStoreRSP uint16 = 0x8001
	cFindRQ   uint16 = 0x0020
	cFindRSP  uint16 = 0x8020
	cEchoRQ   uint16 = 0x0030
	cEchoRSP  uint16 = 0x8030
	cCancelRQ uint16 = 0x0FFF
)

// noDataSet is the Command Data Set Type value meaning "no data set".
const noDataSet uint16 = 0x0101

// maxCommandLen caps a command set: real ones are a few hundred bytes, and
// reassembling command fragments must not let a peer grow memory.
const maxCommandLen = 64 << 10

// Command element tags (group 0000, PS3.7 E.1).
const (
	tagGroupLength          uint32 = 0x00000000
	tagAffectedSOPClass     uint32 = 0x00000002
	tagCommandField         uint32 = 0x00000100
	tagMessageID            uint32 = 0x00000110
	tagRespondedTo          uint32 = 0x00000120
	tagPriority             uint32 = 0x00000700
	tagDataSetType          uint32 = 0x00000800
	tagStatus               uint32 = 0x00000900
	tagErrorComment         uint32 = 0x00000902
	tagAffectedSOPInstance  uint32 = 0x00001000
	tagMoveOriginatorAE     uint32 = 0x00001030
	tagMoveOriginatorMsgID  uint32 = 0x00001031
	tagRemainingSubops      uint32 = 0x00001020
	tagCompletedSubops      uint32 = 0x00001021
	tagFailedSubops         uint32 = 0x00001022
	tagWarningSubops        uint32 = 0x00001023
	tagOffendingElement     uint32 = 0x00000901
	tagErrorID              uint32 = 0x00000903
	tagRequestedSOPClass    uint32 = 0x00000003
	tagRequestedSOPInstance uint32 = 0x00001001
)

// command is a decoded DIMSE command set. Only the fields the services of
// this package use are typed; the rest are ignored on decode, as PS3.7
// allows for unknown fields.
type command struct {
	Field               uint16
	MessageID           uint16
	RespondedTo         uint16
	AffectedSOPClass    string
	AffectedSOPInstance string
	Priority            uint16
	HasData             bool
	Status              uint16
	ErrorComment        string
	MoveOriginatorAE    string
	MoveOriginatorMsgID uint16
	// has records which tags were present, to check required fields.
	has map[uint32]bool
}

// elem is one command element to encode.
type elem struct {
	tag uint32
	val []byte
}

func us(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }

// padded pads s to even length with pad (NUL for UI, space for AE/LO).
func padded(s string, pad byte) []byte {
	b := []byte(s)
	if len(b)%2 == 1 {
		b = append(b, pad)
	}
	return b
}

// encodeCommand encodes c as an implicit VR little endian group 0000 data
// set with its group length, as PS3.7 6.3.1 requires.
func encodeCommand(c *command) []byte {
	els := []elem{
		{tagCommandField, us(c.Field)},
		{tagDataSetType, us(map[bool]uint16{true: 0x0000, false: noDataSet}[c.HasData])},
	}
	if c.AffectedSOPClass != "" {
		els = append(els, elem{tagAffectedSOPClass, padded(c.AffectedSOPClass, 0)})
	}
	if c.AffectedSOPInstance != "" {
		els = append(els, elem{tagAffectedSOPInstance, padded(c.AffectedSOPInstance, 0)})
	}
	if c.Field&0x8000 == 0 {
		els = append(els, elem{tagMessageID, us(c.MessageID)})
		if c.Field != cEchoRQ && c.Field != cCancelRQ {
			els = append(els, elem{tagPriority, us(c.Priority)})
		}
		if c.Field == cCancelRQ {
			els = append(els, elem{tagRespondedTo, us(c.RespondedTo)})
		}
		if c.MoveOriginatorAE != "" {
			els = append(els, elem{tagMoveOriginatorAE, padded(c.MoveOriginatorAE, ' ')}, elem{tagMoveOriginatorMsgID, us(c.MoveOriginatorMsgID)})
		}
	} else {
		els = append(els, elem{tagRespondedTo, us(c.RespondedTo)}, elem{tagStatus, us(c.Status)})
		if c.ErrorComment != "" {
			comment := c.ErrorComment
			if len(comment) > 64 { // LO
				comment = comment[:64]
			}
			els = append(els, elem{tagErrorComment, padded(comment, ' ')})
		}
	}
	sort.Slice(els, func(i, j int) bool { return els[i].tag < els[j].tag })
	n := 0
	for _, e := range els {
		n += 8 + len(e.val)
	}
	out := make([]byte, 0, 12+n)
	out = appendElem(out, tagGroupLength, binary.LittleEndian.AppendUint32(nil, uint32(n)))
	for _, e := range els {
		out = appendElem(out, e.tag, e.val)
	}
	return out
}

func appendElem(b []byte, tag uint32, val []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(tag>>16))
	b = binary.LittleEndian.AppendUint16(b, uint16(tag))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(val)))
	return append(b, val...)
}

// decodeCommand decodes an implicit VR little endian command set.
func decodeCommand(b []byte) (*command, error) {
	c := &command{has: map[uint32]bool{}}
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: element header", ErrMalformedCommand)
		}
		group, el := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:])
		n := binary.LittleEndian.Uint32(b[4:])
		if group != 0 {
			return nil, fmt.Errorf("%w: element (%04x,%04x) outside group 0000", ErrMalformedCommand, group, el)
		}
		if uint64(n) > uint64(len(b)-8) {
			return nil, fmt.Errorf("%w: element (0000,%04x) length %d exceeds %d bytes left", ErrMalformedCommand, el, n, len(b)-8)
		}
		tag, v := uint32(el), b[8:8+n]
		b = b[8+n:]
		c.has[tag] = true
		u16 := func() (uint16, error) {
			if len(v) != 2 {
				return 0, fmt.Errorf("%w: (0000,%04x) is %d bytes, want 2", ErrMalformedCommand, el, len(v))
			}
			return binary.LittleEndian.Uint16(v), nil
		}
		var err error
		switch tag {
		case tagCommandField:
			c.Field, err = u16()
		case tagMessageID:
			c.MessageID, err = u16()
		case tagRespondedTo:
			c.RespondedTo, err = u16()
		case tagPriority:
			c.Priority, err = u16()
		case tagStatus:
			c.Status, err = u16()
		case tagMoveOriginatorMsgID:
			c.MoveOriginatorMsgID, err = u16()
		case tagDataSetType:
			var t uint16
			t, err = u16()
			c.HasData = t != noDataSet
		case tagAffectedSOPClass:
			c.AffectedSOPClass = uidString(v)
		case tagAffectedSOPInstance:
			c.AffectedSOPInstance = uidString(v)
		case tagErrorComment:
			c.ErrorComment = strings.TrimSpace(string(v))
		case tagMoveOriginatorAE:
			c.MoveOriginatorAE = strings.TrimSpace(string(v))
		}
		if err != nil {
			return nil, err
		}
	}
	if !c.has[tagCommandField] || !c.has[tagDataSetType] {
		return nil, fmt.Errorf("%w: missing Command Field or Command Data Set Type", ErrMalformedCommand)
	}
	return c, nil
}
