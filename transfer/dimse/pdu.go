package dimse

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// PDU types (PS3.8 9.3).
const (
	pduAssociateRQ byte = 0x01
	pduAssociateAC byte = 0x02
	pduAssociateRJ byte = 0x03
	pduDataTF      byte = 0x04
	pduReleaseRQ   byte = 0x05
	pduReleaseRP   byte = 0x06
	pduAbort       byte = 0x07
)

// Item types of the A-ASSOCIATE PDUs (PS3.8 9.3.2, 9.3.3, Annex D).
const (
	itemAppContext          byte = 0x10
	itemPresContextRQ       byte = 0x20
	itemPresContextAC       byte = 0x21
	itemAbstractSyntax      byte = 0x30
	itemTransferSyntax      byte = 0x40
	itemUserInfo            byte = 0x50
	itemMaxLength           byte = 0x51
	itemImplClassUID        byte = 0x52
	itemAsyncOps            byte = 0x53
	itemRoleSelection       byte = 0x54
	itemImplVersion         byte = 0x55
	itemUserIdentityRQ      byte = 0x58
	itemUserIdentityAC      byte = 0x59
	pduHeaderLen                 = 6
	pdvHeaderLen                 = 6
	maxPresentationContexts      = 128
)

// ApplicationContext is the only DICOM application context name (PS3.7 A.2.1).
const ApplicationContext = "1.2.840.10008.3.1.1.1"

// maxAssociationPDU caps A-ASSOCIATE PDUs, whose length the peer's maximum
// PDU length does not govern: 128 contexts with a dozen syntaxes each fit
// well within it, and a hostile peer cannot make us allocate more.
const maxAssociationPDU = 1 << 20

// Presentation context results (PS3.8 9.3.3.2).
const (
	resultAcceptance             byte = 0
	resultUserRejection          byte = 1
	resultNoReason               byte = 2
	resultAbstractNotSupported   byte = 3
	resultTransferNotSupported   byte = 4
	userIdentityUsername         byte = 1
	userIdentityUsernamePassword byte = 2
)

// presContextRQ is one proposed presentation context.
type presContextRQ struct {
	ID               byte
	AbstractSyntax   string
	TransferSyntaxes []string
}

// presContextAC is the acceptor's answer for one presentation context.
type presContextAC struct {
	ID             byte
	Result         byte
	TransferSyntax string
}

// roleSelection is an SCP/SCU role selection sub-item (PS3.7 D.3.3.4).
type roleSelection struct {
	SOPClass string
	SCU, SCP bool
}

// userInfo holds the sub-items of the user information item.
type userInfo struct {
	MaxLength    uint32
	ImplClassUID string
	ImplVersion  string
	// AsyncOps is invoked/performed, zero when absent.
	AsyncInvoked, AsyncPerformed uint16
	HasAsync                     bool
	Roles                        []roleSelection
	// Identity (RQ only).
	IdentityType      byte
	IdentityPositive  bool
	IdentityPrimary   []byte
	IdentitySecondary []byte
	// IdentityResponse (AC only); HasIdentityResponse tells an empty
	// response from none.
	IdentityResponse    []byte
	HasIdentityResponse bool
}

// associate is an A-ASSOCIATE-RQ or -AC; which one is told by Type.
type associate struct {
	Type            byte
	ProtocolVersion uint16
	CalledAE        string
	CallingAE       string
	AppContext      string
	RQContexts      []presContextRQ // RQ
	ACContexts      []presContextAC // AC
	User            userInfo
}

// reject is an A-ASSOCIATE-RJ.
type reject struct{ Result, Source, Reason byte }

// abort is an A-ABORT.
type abort struct{ Source, Reason byte }

// pdv is one presentation data value of a P-DATA-TF.
type pdv struct {
	ContextID byte
	// Flags bit 0: command (1) or data (0); bit 1: last fragment.
	Flags byte
	Data  []byte
}

// readPDUHeader reads the 6-byte PDU header and checks the length against
// max (association PDUs are checked against maxAssociationPDU instead).
func readPDUHeader(r io.Reader, max uint32) (typ byte, length uint32, err error) {
	var h [pduHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return 0, 0, &PDUError{Type: h[0], Err: ErrTruncated}
		}
		return 0, 0, err
	}
	typ, length = h[0], binary.BigEndian.Uint32(h[2:])
	if typ < pduAssociateRQ || typ > pduAbort {
		return typ, length, &PDUError{Type: typ, Err: fmt.Errorf("%w: unknown PDU type 0x%02x", ErrMalformedPDU, typ)}
	}
	limit := max
	switch typ {
	case pduAssociateRQ, pduAssociateAC:
		limit = maxAssociationPDU
	case pduAssociateRJ, pduReleaseRQ, pduReleaseRP, pduAbort:
		if length != 4 {
			return typ, length, &PDUError{Type: typ, Err: fmt.Errorf("%w: length %d, want 4", ErrMalformedPDU, length)}
		}
	case pduDataTF:
		// A peer's P-DATA-TF may exceed our maximum by its own 6-byte
		// header only if it misreads PS3.8: tolerate nothing else.
		if max == 0 {
			limit = maxAssociationPDU * 64
		}
	}
	if length > limit {
		return typ, length, &PDUError{Type: typ, Err: fmt.Errorf("%w: length %d exceeds %d", ErrPDUTooLarge, length, limit)}
	}
	return typ, length, nil
}

// readPDU reads one whole PDU body. Only used for non-data PDUs and tests;
// P-DATA-TF bodies are streamed by pdvReader.
func readPDU(r io.Reader, max uint32) (typ byte, body []byte, err error) {
	typ, n, err := readPDUHeader(r, max)
	if err != nil {
		return typ, nil, err
	}
	body = make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = ErrTruncated
		}
		return typ, nil, &PDUError{Type: typ, Err: err}
	}
	return typ, body, nil
}

// decodePDU decodes a PDU body read by readPDU into *associate, *reject,
// *abort, []pdv, or releaseRQ/releaseRP markers.
func decodePDU(typ byte, body []byte) (any, error) {
	var v any
	var err error
	switch typ {
	case pduAssociateRJ, pduAbort, pduReleaseRQ, pduReleaseRP:
		if len(body) != 4 {
			return nil, &PDUError{Type: typ, Err: fmt.Errorf("%w: length %d, want 4", ErrMalformedPDU, len(body))}
		}
	}
	switch typ {
	case pduAssociateRQ, pduAssociateAC:
		v, err = decodeAssociate(typ, body)
	case pduAssociateRJ:
		v = &reject{Result: body[1], Source: body[2], Reason: body[3]}
	case pduAbort:
		v = &abort{Source: body[2], Reason: body[3]}
	case pduReleaseRQ, pduReleaseRP:
		v = typ
	case pduDataTF:
		v, err = decodePDVs(body)
	default:
		err = fmt.Errorf("%w: unknown PDU type 0x%02x", ErrMalformedPDU, typ)
	}
	if err != nil {
		return nil, &PDUError{Type: typ, Err: err}
	}
	return v, nil
}

func decodePDVs(body []byte) ([]pdv, error) {
	var out []pdv
	for len(body) > 0 {
		if len(body) < 4 {
			return nil, fmt.Errorf("%w: PDV item header", ErrTruncated)
		}
		n := binary.BigEndian.Uint32(body)
		body = body[4:]
		if n < 2 || uint64(n) > uint64(len(body)) {
			return nil, fmt.Errorf("%w: PDV length %d", ErrMalformedPDU, n)
		}
		out = append(out, pdv{ContextID: body[0], Flags: body[1], Data: body[2:n]})
		body = body[n:]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: P-DATA-TF without PDV", ErrMalformedPDU)
	}
	return out, nil
}

// item is one variable item: type and value.
type item struct {
	typ byte
	val []byte
}

// splitItems cuts b into items with 2-byte lengths (PS3.8 9.3.2.x).
func splitItems(b []byte) ([]item, error) {
	var out []item
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: item header", ErrTruncated)
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n > len(b)-4 {
			return nil, fmt.Errorf("%w: item 0x%02x length %d exceeds %d bytes left", ErrMalformedPDU, b[0], n, len(b)-4)
		}
		out = append(out, item{typ: b[0], val: b[4 : 4+n]})
		b = b[4+n:]
	}
	return out, nil
}

// uidString trims the NUL padding some implementations add to UIDs.
func uidString(b []byte) string { return strings.TrimRight(string(b), "\x00 ") }

// aeString trims an AE title field's spaces.
func aeString(b []byte) string { return strings.TrimSpace(strings.TrimRight(string(b), "\x00")) }

func decodeAssociate(typ byte, body []byte) (*associate, error) {
	if len(body) < 68 {
		return nil, fmt.Errorf("%w: A-ASSOCIATE fixed fields", ErrTruncated)
	}
	a := &associate{
		Type:            typ,
		ProtocolVersion: binary.BigEndian.Uint16(body),
		CalledAE:        aeString(body[4:20]),
		CallingAE:       aeString(body[20:36]),
	}
	items, err := splitItems(body[68:])
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		switch it.typ {
		case itemAppContext:
			a.AppContext = uidString(it.val)
		case itemPresContextRQ:
			if typ != pduAssociateRQ {
				return nil, fmt.Errorf("%w: RQ presentation context in A-ASSOCIATE-AC", ErrMalformedPDU)
			}
			pc, err := decodePresContextRQ(it.val)
			if err != nil {
				return nil, err
			}
			a.RQContexts = append(a.RQContexts, pc)
		case itemPresContextAC:
			if typ != pduAssociateAC {
				return nil, fmt.Errorf("%w: AC presentation context in A-ASSOCIATE-RQ", ErrMalformedPDU)
			}
			pc, err := decodePresContextAC(it.val)
			if err != nil {
				return nil, err
			}
			a.ACContexts = append(a.ACContexts, pc)
		case itemUserInfo:
			if err := decodeUserInfo(&a.User, it.val); err != nil {
				return nil, err
			}
		default:
			// PS3.8 9.3.1: unknown items are ignored.
		}
		if len(a.RQContexts) > maxPresentationContexts || len(a.ACContexts) > maxPresentationContexts {
			return nil, fmt.Errorf("%w: more than %d presentation contexts", ErrLimit, maxPresentationContexts)
		}
	}
	if a.AppContext == "" {
		return nil, fmt.Errorf("%w: no application context name", ErrMalformedPDU)
	}
	return a, nil
}

func decodePresContextRQ(b []byte) (presContextRQ, error) {
	var pc presContextRQ
	if len(b) < 4 {
		return pc, fmt.Errorf("%w: presentation context", ErrTruncated)
	}
	pc.ID = b[0]
	subs, err := splitItems(b[4:])
	if err != nil {
		return pc, err
	}
	for _, s := range subs {
		switch s.typ {
		case itemAbstractSyntax:
			pc.AbstractSyntax = uidString(s.val)
		case itemTransferSyntax:
			if len(pc.TransferSyntaxes) >= 64 {
				return pc, fmt.Errorf("%w: more than 64 transfer syntaxes in a context", ErrLimit)
			}
			pc.TransferSyntaxes = append(pc.TransferSyntaxes, uidString(s.val))
		}
	}
	if pc.AbstractSyntax == "" || len(pc.TransferSyntaxes) == 0 {
		return pc, fmt.Errorf("%w: presentation context %d lacks an abstract or transfer syntax", ErrMalformedPDU, pc.ID)
	}
	return pc, nil
}

func decodePresContextAC(b []byte) (presContextAC, error) {
	var pc presContextAC
	if len(b) < 4 {
		return pc, fmt.Errorf("%w: presentation context", ErrTruncated)
	}
	pc.ID, pc.Result = b[0], b[2]
	subs, err := splitItems(b[4:])
	if err != nil {
		return pc, err
	}
	for _, s := range subs {
		if s.typ == itemTransferSyntax {
			pc.TransferSyntax = uidString(s.val)
		}
	}
	if pc.Result == resultAcceptance && pc.TransferSyntax == "" {
		return pc, fmt.Errorf("%w: accepted presentation context %d without a transfer syntax", ErrMalformedPDU, pc.ID)
	}
	return pc, nil
}

func decodeUserInfo(u *userInfo, b []byte) error {
	subs, err := splitItems(b)
	if err != nil {
		return err
	}
	for _, s := range subs {
		v := s.val
		switch s.typ {
		case itemMaxLength:
			if len(v) != 4 {
				return fmt.Errorf("%w: maximum length sub-item of %d bytes", ErrMalformedPDU, len(v))
			}
			u.MaxLength = binary.BigEndian.Uint32(v)
		case itemImplClassUID:
			u.ImplClassUID = uidString(v)
		case itemImplVersion:
			u.ImplVersion = strings.TrimSpace(string(v))
		case itemAsyncOps:
			if len(v) != 4 {
				return fmt.Errorf("%w: asynchronous operations sub-item of %d bytes", ErrMalformedPDU, len(v))
			}
			u.HasAsync = true
			u.AsyncInvoked, u.AsyncPerformed = binary.BigEndian.Uint16(v), binary.BigEndian.Uint16(v[2:])
		case itemRoleSelection:
			if len(v) < 2 {
				return fmt.Errorf("%w: role selection", ErrTruncated)
			}
			n := int(binary.BigEndian.Uint16(v))
			if len(v) != 2+n+2 {
				return fmt.Errorf("%w: role selection length", ErrMalformedPDU)
			}
			if len(u.Roles) >= maxPresentationContexts {
				return fmt.Errorf("%w: more than %d role selections", ErrLimit, maxPresentationContexts)
			}
			u.Roles = append(u.Roles, roleSelection{SOPClass: uidString(v[2 : 2+n]), SCU: v[2+n] == 1, SCP: v[3+n] == 1})
		case itemUserIdentityRQ:
			if len(v) < 4 {
				return fmt.Errorf("%w: user identity", ErrTruncated)
			}
			u.IdentityType, u.IdentityPositive = v[0], v[1] == 1
			n := int(binary.BigEndian.Uint16(v[2:]))
			if len(v) < 4+n+2 {
				return fmt.Errorf("%w: user identity primary field", ErrMalformedPDU)
			}
			u.IdentityPrimary = v[4 : 4+n]
			rest := v[4+n:]
			m := int(binary.BigEndian.Uint16(rest))
			if len(rest) != 2+m {
				return fmt.Errorf("%w: user identity secondary field", ErrMalformedPDU)
			}
			u.IdentitySecondary = rest[2:]
		case itemUserIdentityAC:
			if len(v) < 2 || len(v) != 2+int(binary.BigEndian.Uint16(v)) {
				return fmt.Errorf("%w: user identity response", ErrMalformedPDU)
			}
			u.IdentityResponse, u.HasIdentityResponse = v[2:], true
		}
	}
	return nil
}

// pduBuilder appends big-endian fields to a buffer.
type pduBuilder struct{ b []byte }

func (p *pduBuilder) u8(v byte)    { p.b = append(p.b, v) }
func (p *pduBuilder) u16(v uint16) { p.b = binary.BigEndian.AppendUint16(p.b, v) }
func (p *pduBuilder) u32(v uint32) { p.b = binary.BigEndian.AppendUint32(p.b, v) }

// item writes an item with a 2-byte length around the bytes fill appends.
func (p *pduBuilder) item(typ byte, fill func()) {
	p.u8(typ)
	p.u8(0)
	at := len(p.b)
	p.u16(0)
	fill()
	binary.BigEndian.PutUint16(p.b[at:], uint16(len(p.b)-at-2))
}

func (p *pduBuilder) str(typ byte, s string) { p.item(typ, func() { p.b = append(p.b, s...) }) }

// aeField is an AE title padded with spaces to 16 bytes.
func aeField(s string) []byte {
	b := []byte(fmt.Sprintf("%-16s", s))
	return b[:16]
}

// encodePDU frames body as a PDU of type typ.
func encodePDU(typ byte, body []byte) []byte {
	out := make([]byte, pduHeaderLen, pduHeaderLen+len(body))
	out[0] = typ
	binary.BigEndian.PutUint32(out[2:], uint32(len(body)))
	return append(out, body...)
}

func encodeAssociate(a *associate) []byte {
	var p pduBuilder
	p.u16(1)
	p.u16(0)
	p.b = append(p.b, aeField(a.CalledAE)...)
	p.b = append(p.b, aeField(a.CallingAE)...)
	p.b = append(p.b, make([]byte, 32)...)
	ctx := a.AppContext
	if ctx == "" {
		ctx = ApplicationContext
	}
	p.str(itemAppContext, ctx)
	for _, pc := range a.RQContexts {
		p.item(itemPresContextRQ, func() {
			p.b = append(p.b, pc.ID, 0, 0, 0)
			p.str(itemAbstractSyntax, pc.AbstractSyntax)
			for _, ts := range pc.TransferSyntaxes {
				p.str(itemTransferSyntax, ts)
			}
		})
	}
	for _, pc := range a.ACContexts {
		p.item(itemPresContextAC, func() {
			p.b = append(p.b, pc.ID, 0, pc.Result, 0)
			// PS3.8 9.3.3.2: the transfer syntax sub-item is present but
			// not significant when the context is rejected.
			p.str(itemTransferSyntax, pc.TransferSyntax)
		})
	}
	u := a.User
	p.item(itemUserInfo, func() {
		p.item(itemMaxLength, func() { p.u32(u.MaxLength) })
		p.str(itemImplClassUID, u.ImplClassUID)
		if u.HasAsync {
			p.item(itemAsyncOps, func() { p.u16(u.AsyncInvoked); p.u16(u.AsyncPerformed) })
		}
		for _, r := range u.Roles {
			p.item(itemRoleSelection, func() {
				p.u16(uint16(len(r.SOPClass)))
				p.b = append(p.b, r.SOPClass...)
				p.u8(b2u(r.SCU))
				p.u8(b2u(r.SCP))
			})
		}
		if u.ImplVersion != "" {
			p.str(itemImplVersion, u.ImplVersion)
		}
		if u.IdentityType != 0 {
			p.item(itemUserIdentityRQ, func() {
				p.u8(u.IdentityType)
				p.u8(b2u(u.IdentityPositive))
				p.u16(uint16(len(u.IdentityPrimary)))
				p.b = append(p.b, u.IdentityPrimary...)
				p.u16(uint16(len(u.IdentitySecondary)))
				p.b = append(p.b, u.IdentitySecondary...)
			})
		}
		if u.HasIdentityResponse {
			p.item(itemUserIdentityAC, func() {
				p.u16(uint16(len(u.IdentityResponse)))
				p.b = append(p.b, u.IdentityResponse...)
			})
		}
	})
	return encodePDU(a.Type, p.b)
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func encodeReject(r reject) []byte {
	return encodePDU(pduAssociateRJ, []byte{0, r.Result, r.Source, r.Reason})
}

func encodeAbort(a abort) []byte {
	return encodePDU(pduAbort, []byte{0, 0, a.Source, a.Reason})
}

func encodeRelease(typ byte) []byte { return encodePDU(typ, make([]byte, 4)) }
