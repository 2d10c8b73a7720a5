package dimse

import (
	"bytes"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"
)

// seedPDUs are valid PDUs of every type, for the fuzz corpus and the
// round-trip tests (dcmtk's own requests are in testdata/fuzz).
func seedPDUs() [][]byte {
	rq := &associate{
		Type: pduAssociateRQ, CalledAE: "SCP", CallingAE: "SCU", AppContext: ApplicationContext,
		RQContexts: []presContextRQ{
			{ID: 1, AbstractSyntax: VerificationSOPClass, TransferSyntaxes: []string{"1.2.840.10008.1.2"}},
			{ID: 3, AbstractSyntax: ctImage, TransferSyntaxes: []string{"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}},
		},
		User: userInfo{MaxLength: 16384, ImplClassUID: "1.2.3", ImplVersion: "X", HasAsync: true, AsyncInvoked: 1, AsyncPerformed: 1,
			Roles:        []roleSelection{{SOPClass: ctImage, SCU: true}},
			IdentityType: 2, IdentityPositive: true, IdentityPrimary: []byte("user"), IdentitySecondary: []byte("pass")},
	}
	ac := &associate{
		Type: pduAssociateAC, CalledAE: "SCP", CallingAE: "SCU", AppContext: ApplicationContext,
		ACContexts: []presContextAC{{ID: 1, TransferSyntax: "1.2.840.10008.1.2"}, {ID: 3, Result: 3}},
		User:       userInfo{MaxLength: 0, ImplClassUID: "1.2.3", HasIdentityResponse: true, IdentityResponse: []byte{}},
	}
	cmd := encodeCommand(&command{Field: cEchoRQ, MessageID: 7, AffectedSOPClass: VerificationSOPClass})
	data := make([]byte, 12+len(cmd))
	copy(data[12:], cmd)
	data[0] = pduDataTF
	putPDV := func(b []byte, flags byte) []byte {
		b[0] = pduDataTF
		n := len(b) - 12
		b[2], b[3], b[4], b[5] = byte((n+6)>>24), byte((n+6)>>16), byte((n+6)>>8), byte(n+6)
		b[6], b[7], b[8], b[9] = byte((n+2)>>24), byte((n+2)>>16), byte((n+2)>>8), byte(n+2)
		b[10], b[11] = 1, flags
		return b
	}
	return [][]byte{
		encodeAssociate(rq),
		encodeAssociate(ac),
		encodeReject(rejectCalledAE),
		encodeAbort(abort{Source: 2, Reason: 6}),
		encodeRelease(pduReleaseRQ),
		encodeRelease(pduReleaseRP),
		putPDV(data, 3),
	}
}

func TestPDURoundTrip(t *testing.T) {
	for _, b := range seedPDUs() {
		typ, body, err := readPDU(bytes.NewReader(b), 1<<16)
		if err != nil {
			t.Fatalf("type %d: %v", b[0], err)
		}
		v, err := decodePDU(typ, body)
		if err != nil {
			t.Fatalf("type %d: %v", typ, err)
		}
		if a, ok := v.(*associate); ok {
			again := encodeAssociate(a)
			if !bytes.Equal(again, b) {
				t.Errorf("type %d: re-encoding differs", typ)
			}
		}
	}
}

func TestMalformedPDUs(t *testing.T) {
	rq := seedPDUs()[0]
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"unknown type":      {[]byte{0x09, 0, 0, 0, 0, 4, 0, 0, 0, 0}, ErrMalformedPDU},
		"abort length":      {[]byte{0x07, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0}, ErrMalformedPDU},
		"huge association":  {[]byte{0x01, 0, 0xff, 0xff, 0xff, 0xff}, ErrPDUTooLarge},
		"huge data":         {[]byte{0x04, 0, 0, 0x10, 0, 1}, ErrPDUTooLarge},
		"truncated header":  {[]byte{0x01, 0, 0}, ErrTruncated},
		"truncated body":    {rq[:len(rq)-3], ErrTruncated},
		"short association": {encodePDU(pduAssociateRQ, make([]byte, 10)), ErrTruncated},
		"item overflow":     {encodePDU(pduAssociateRQ, append(make([]byte, 68), 0x10, 0, 0xff, 0xff)), ErrMalformedPDU},
		"no app context":    {encodePDU(pduAssociateRQ, make([]byte, 68)), ErrMalformedPDU},
		"empty P-DATA":      {encodePDU(pduDataTF, nil), ErrMalformedPDU},
		"short PDV":         {encodePDU(pduDataTF, []byte{0, 0, 0, 1, 1}), ErrMalformedPDU},
	} {
		t.Run(name, func(t *testing.T) {
			typ, body, err := readPDU(bytes.NewReader(tc.b), 1<<16)
			if err == nil {
				_, err = decodePDU(typ, body)
			}
			var pe *PDUError
			if !errors.Is(err, tc.want) || !errors.As(err, &pe) {
				t.Errorf("got %v, want %v in a *PDUError", err, tc.want)
			}
		})
	}
}

func TestTooManyContexts(t *testing.T) {
	a := &associate{Type: pduAssociateRQ, AppContext: ApplicationContext}
	for i := range 129 {
		a.RQContexts = append(a.RQContexts, presContextRQ{ID: byte(2*i + 1), AbstractSyntax: ctImage, TransferSyntaxes: []string{"1.2.840.10008.1.2"}})
	}
	b := encodeAssociate(a)
	_, err := decodePDU(b[0], b[6:])
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("got %v", err)
	}
}

func TestCommandRoundTrip(t *testing.T) {
	for _, c := range []*command{
		{Field: cStoreRQ, MessageID: 3, AffectedSOPClass: ctImage, AffectedSOPInstance: "1.2.3.4", Priority: 1, HasData: true, MoveOriginatorAE: "MOVER", MoveOriginatorMsgID: 9},
		{Field: cStoreRSP, RespondedTo: 3, Status: StatusCoercionOfElements, ErrorComment: "coerced", AffectedSOPClass: ctImage, AffectedSOPInstance: "1.2.3.45"},
		{Field: cEchoRQ, MessageID: 1, AffectedSOPClass: VerificationSOPClass},
	} {
		got, err := decodeCommand(encodeCommand(c))
		if err != nil {
			t.Fatal(err)
		}
		got.has = nil
		if !reflect.DeepEqual(got, c) {
			t.Errorf("got %+v, want %+v", got, c)
		}
	}
	for _, b := range [][]byte{
		{0, 0, 0, 1, 4, 0, 0, 0},              // length beyond the end
		{8, 0, 0, 1, 0, 0, 0, 0},              // group 0008
		appendElem(nil, tagCommandField, nil), // no data set type, bad US length
	} {
		if _, err := decodeCommand(b); !errors.Is(err, ErrMalformedCommand) {
			t.Errorf("%x: got %v", b, err)
		}
	}
}

// fakeConn is a net.Conn reading from a byte slice, for fuzzing the
// message reader without sockets.
type fakeConn struct {
	io.Reader
	io.Writer
}

func (fakeConn) Close() error                     { return nil }
func (fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (fakeConn) SetDeadline(time.Time) error      { return nil }
func (fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (fakeConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzReadPDU feeds arbitrary bytes to the PDU decoder and to the message
// reader: neither may panic or allocate beyond its limits, and every
// association PDU that decodes must survive re-encoding.
func FuzzReadPDU(f *testing.F) {
	for _, b := range seedPDUs() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, body, err := readPDU(bytes.NewReader(b), 1<<16)
		if err == nil {
			v, err := decodePDU(typ, body)
			if a, ok := v.(*associate); ok && err == nil {
				again := encodeAssociate(a)
				v2, err := decodePDU(again[0], again[6:])
				if err != nil {
					t.Fatalf("re-encoded PDU does not decode: %v", err)
				}
				a2 := v2.(*associate)
				if len(a2.RQContexts) != len(a.RQContexts) || len(a2.ACContexts) != len(a.ACContexts) || a2.User.MaxLength != a.User.MaxLength {
					t.Fatalf("round trip changed the PDU")
				}
			}
		}
		c := newConn(fakeConn{Reader: bytes.NewReader(b), Writer: io.Discard}, 1<<16, 0)
		for range 8 {
			ctxID, cmd, err := c.readCommand(0)
			if err != nil {
				return
			}
			if cmd.HasData {
				if err := (&dataReader{c: c, ctxID: ctxID}).drain(); err != nil {
					return
				}
			}
		}
	})
}
