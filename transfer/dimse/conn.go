package dimse

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Defaults shared by [Server] and [Dial].
const (
	// DefaultMaxPDULength is the maximum P-DATA-TF length we advertise
	// when none is set: large enough that per-PDU overhead is negligible
	// (dcmtk's default is 16 KiB, pynetdicom's 16 KiB; both accept more).
	DefaultMaxPDULength uint32 = 256 << 10
	// MaxPDULengthCap bounds the maximum we advertise, and so the largest
	// PDU a peer may make us read. PDUs we send are at most 1 MiB,
	// whatever the peer offers (0 meaning unlimited included).
	MaxPDULengthCap uint32 = 16 << 20
	// MinPDULength is the smallest maximum length accepted from a peer
	// or set in options; below it the overhead of framing dominates.
	MinPDULength uint32 = 1024

	defaultARTIM   = 30 * time.Second
	defaultTimeout = 60 * time.Second
)

// conn is the upper layer over one transport connection: PDU framing,
// PDV reassembly and fragmentation, deadlines. It is used by one goroutine
// at a time.
type conn struct {
	nc net.Conn
	r  *bufio.Reader
	// w batches PDUs into fewer system calls: a peer's 16 KiB maximum
	// would otherwise cost one write per 16 KiB.
	w       *bufio.Writer
	maxRecv uint32 // what we advertised
	maxSend uint32 // what the peer advertised, capped
	timeout time.Duration

	// P-DATA-TF read state.
	pduLeft  uint32 // body bytes of the current P-DATA-TF not yet read
	pdvLeft  uint32 // data bytes of the current PDV not yet read
	pdvCtx   byte
	pdvFlags byte

	wbuf [2][]byte // double buffer for streaming data PDVs
}

func newConn(nc net.Conn, maxRecv uint32, timeout time.Duration) *conn {
	return &conn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10), w: bufio.NewWriterSize(nc, 128<<10), maxRecv: maxRecv, timeout: timeout}
}

// maxSendPDU caps the PDUs we send whatever the peer accepts: beyond a
// megabyte, larger PDUs gain nothing and cost two buffers of their size.
const maxSendPDU = 1 << 20

// setMaxSend records the peer's maximum PDU length (0: no limit).
func (c *conn) setMaxSend(n uint32) {
	if n == 0 || n > maxSendPDU {
		n = maxSendPDU
	}
	if n < pdvHeaderLen+2 {
		n = pdvHeaderLen + 2
	}
	c.maxSend = n
}

func (c *conn) readDeadline(d time.Duration) {
	if d > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(d))
	} else {
		_ = c.nc.SetReadDeadline(time.Time{})
	}
}

// writeRaw writes a whole PDU and flushes it.
func (c *conn) writeRaw(b []byte) error {
	if err := c.write(b); err != nil {
		return err
	}
	return c.flush()
}

// write buffers a PDU; the deadline bounds any flush it causes.
func (c *conn) write(b []byte) error {
	if c.timeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	_, err := c.w.Write(b)
	return err
}

func (c *conn) flush() error {
	if c.timeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	return c.w.Flush()
}

// readControl reads a whole non-data PDU (association, release, abort).
func (c *conn) readControl(timeout time.Duration) (byte, any, error) {
	c.readDeadline(timeout)
	typ, body, err := readPDU(c.r, c.maxRecv)
	if err != nil {
		return typ, nil, err
	}
	v, err := decodePDU(typ, body)
	return typ, v, err
}

// errControl is returned by nextPDV when a non-data PDU arrives instead of
// a PDV; V is the decoded PDU (releaseRQ marker byte, *abort, ...).
type errControl struct {
	Type byte
	V    any
}

func (e *errControl) Error() string {
	return fmt.Sprintf("dimse: PDU type 0x%02x instead of P-DATA-TF", e.Type)
}

// nextPDV positions the reader at the next PDV, reading a new P-DATA-TF
// header when the current one is exhausted. deadline applies to the
// blocking read of a new PDU.
func (c *conn) nextPDV(timeout time.Duration) error {
	if c.pdvLeft != 0 {
		return fmt.Errorf("%w: PDV not fully read", ErrMalformedPDU)
	}
	if c.pduLeft == 0 {
		c.readDeadline(timeout)
		typ, n, err := readPDUHeader(c.r, c.maxRecv)
		if err != nil {
			return err
		}
		if typ != pduDataTF {
			body := make([]byte, n)
			if _, err := io.ReadFull(c.r, body); err != nil {
				return &PDUError{Type: typ, Err: ErrTruncated}
			}
			v, err := decodePDU(typ, body)
			if err != nil {
				return err
			}
			return &errControl{Type: typ, V: v}
		}
		if n < pdvHeaderLen {
			return &PDUError{Type: typ, Err: fmt.Errorf("%w: P-DATA-TF of %d bytes", ErrMalformedPDU, n)}
		}
		c.pduLeft = n
		// The rest of this PDU is bounded by the timeout of each read.
		c.readDeadline(c.timeout)
	}
	if c.pduLeft < pdvHeaderLen {
		return &PDUError{Type: pduDataTF, Err: fmt.Errorf("%w: %d stray bytes after the last PDV", ErrMalformedPDU, c.pduLeft)}
	}
	var h [pdvHeaderLen]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return &PDUError{Type: pduDataTF, Err: ErrTruncated}
	}
	n := binary.BigEndian.Uint32(h[:])
	if n < 2 || n > c.pduLeft-4 {
		return &PDUError{Type: pduDataTF, Err: fmt.Errorf("%w: PDV length %d in %d bytes", ErrMalformedPDU, n, c.pduLeft-4)}
	}
	if h[4] == 0 || h[4]%2 == 0 {
		return &PDUError{Type: pduDataTF, Err: fmt.Errorf("%w: presentation context ID %d", ErrMalformedPDU, h[4])}
	}
	c.pduLeft -= 4 + n
	c.pdvLeft = n - 2
	c.pdvCtx, c.pdvFlags = h[4], h[5]
	return nil
}

// readPDVData reads from the current PDV. The deadline is renewed on each
// call, so that Timeout bounds a silent peer, not a slow handler.
func (c *conn) readPDVData(p []byte) (int, error) {
	if uint32(len(p)) > c.pdvLeft {
		p = p[:c.pdvLeft]
	}
	if c.timeout > 0 && c.r.Buffered() < len(p) {
		c.readDeadline(c.timeout)
	}
	n, err := io.ReadFull(c.r, p)
	c.pdvLeft -= uint32(n)
	if err != nil {
		return n, &PDUError{Type: pduDataTF, Err: ErrTruncated}
	}
	return n, nil
}

// readCommand reassembles command PDVs into a command set. idle bounds the
// wait for the first PDU.
func (c *conn) readCommand(idle time.Duration) (ctxID byte, cmd *command, err error) {
	quickAck(c.nc)
	var buf []byte
	first := true
	for {
		t := c.timeout
		if first {
			t = idle
		}
		if err := c.nextPDV(t); err != nil {
			return 0, nil, err
		}
		if c.pdvFlags&1 == 0 {
			return 0, nil, fmt.Errorf("%w: data PDV where a command was expected", ErrUnexpectedPDU)
		}
		if !first && c.pdvCtx != ctxID {
			return 0, nil, fmt.Errorf("%w: command fragments on contexts %d and %d", ErrUnexpectedPDU, ctxID, c.pdvCtx)
		}
		ctxID, first = c.pdvCtx, false
		if len(buf)+int(c.pdvLeft) > maxCommandLen {
			return 0, nil, fmt.Errorf("%w: command set over %d bytes", ErrLimit, maxCommandLen)
		}
		start := len(buf)
		buf = append(buf, make([]byte, c.pdvLeft)...)
		if _, err := c.readPDVData(buf[start:]); err != nil {
			return 0, nil, err
		}
		if c.pdvFlags&2 != 0 {
			break
		}
	}
	cmd, err = decodeCommand(buf)
	return ctxID, cmd, err
}

// dataReader streams the data PDVs of one message; it returns io.EOF after
// the last fragment.
type dataReader struct {
	c     *conn
	ctxID byte
	done  bool
	err   error
	n     int64
}

func (d *dataReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	for d.c.pdvLeft == 0 {
		if d.done {
			return 0, io.EOF
		}
		if err := d.c.nextPDV(d.c.timeout); err != nil {
			if err == io.EOF {
				// The transport closed inside a message: never let a
				// reader take that for the end of the data set.
				err = &PDUError{Type: pduDataTF, Err: fmt.Errorf("%w: connection closed inside a message", ErrTruncated)}
			}
			d.err = err
			return 0, err
		}
		if d.c.pdvFlags&1 != 0 || d.c.pdvCtx != d.ctxID {
			d.err = fmt.Errorf("%w: expected a data PDV on context %d, got flags %#x on context %d", ErrUnexpectedPDU, d.ctxID, d.c.pdvFlags, d.c.pdvCtx)
			return 0, d.err
		}
		d.done = d.c.pdvFlags&2 != 0
	}
	n, err := d.c.readPDVData(p)
	d.n += int64(n)
	if err != nil {
		d.err = err
	}
	return n, err
}

// drain reads the rest of the message so the association can go on after
// a handler that stopped early.
func (d *dataReader) drain() error {
	_, err := io.Copy(io.Discard, struct{ io.Reader }{d})
	return err
}

// sendChunk is the largest PDV value that fits the peer's PDU maximum.
func (c *conn) sendChunk() int {
	return int(c.maxSend) - pdvHeaderLen
}

// Command fragments need not be even; data fragments are kept even.

// writePDV writes one P-DATA-TF holding one PDV whose value is
// buf[pduHeaderLen+pdvHeaderLen:]; buf's first 12 bytes are overwritten.
func (c *conn) writePDV(buf []byte, ctxID, flags byte) error {
	n := len(buf) - pduHeaderLen - pdvHeaderLen
	buf[0], buf[1] = pduDataTF, 0
	binary.BigEndian.PutUint32(buf[2:], uint32(n+pdvHeaderLen))
	binary.BigEndian.PutUint32(buf[6:], uint32(n+2))
	buf[10], buf[11] = ctxID, flags
	return c.write(buf)
}

// writeCommand fragments an encoded command set.
func (c *conn) writeCommand(ctxID byte, b []byte) error {
	chunk := c.sendChunk()
	for {
		n := min(len(b), chunk)
		flags := byte(1)
		if n == len(b) {
			flags |= 2
		}
		buf := make([]byte, pduHeaderLen+pdvHeaderLen+n)
		copy(buf[12:], b[:n])
		if err := c.writePDV(buf, ctxID, flags); err != nil {
			return err
		}
		b = b[n:]
		if len(b) == 0 {
			return c.flush()
		}
	}
}

// writeData streams r as data PDVs, each as large as the peer allows. One
// chunk is read ahead so that the last fragment can be flagged without
// knowing the length in advance. Fragments have even lengths, which dcmtk
// requires: a data set of odd total length (a deflated stream written
// without its PS3.5 A.5 padding) gets a trailing NUL byte.
func (c *conn) writeData(ctxID byte, r io.Reader) (int64, error) {
	chunk := c.sendChunk() &^ 1
	for i := range c.wbuf {
		if cap(c.wbuf[i]) < 13+chunk {
			c.wbuf[i] = make([]byte, 13+chunk)
		}
	}
	cur, next := c.wbuf[0][:12+chunk], c.wbuf[1][:12+chunk]
	n, err := io.ReadFull(r, cur[12:])
	var total int64
	last := func() error {
		total += int64(n)
		if total%2 == 1 {
			cur = append(cur[:12+n], 0)
			n++
		}
		if err := c.writePDV(cur[:12+n], ctxID, 2); err != nil {
			return err
		}
		return c.flush()
	}
	for {
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return total, last()
		case err != nil:
			return total, &SourceError{Err: err}
		}
		m, err2 := io.ReadFull(r, next[12:])
		if m == 0 && err2 == io.EOF {
			return total, last()
		}
		if err := c.writePDV(cur[:12+n], ctxID, 0); err != nil {
			return total, err
		}
		total += int64(n)
		cur, next, n, err = next, cur, m, err2
	}
}

// SourceError wraps a failure to read what was being sent (a file, a
// transcoder): the association had to be aborted mid-message, but the
// fault is local, not the peer's.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return "dimse: reading the instance to send: " + e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// sendAbort sends an A-ABORT (best effort) and closes the connection.
func (c *conn) sendAbort(source, reason byte) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.nc.Write(encodeAbort(abort{Source: source, Reason: reason}))
	_ = c.nc.Close()
}

// isTimeout reports a deadline expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
