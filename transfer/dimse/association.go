package dimse

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radkit/radkit/dicomarchive/codec"
	"github.com/radkit/radkit/dicomio"
)

// VerificationSOPClass is the abstract syntax of C-ECHO (PS3.4 A.4).
const VerificationSOPClass = "1.2.840.10008.1.1"

// PresentationContext is an accepted presentation context: messages of
// AbstractSyntax are exchanged on it, their data sets encoded in
// TransferSyntax.
type PresentationContext struct {
	ID             byte
	AbstractSyntax string
	TransferSyntax string
}

// Proposal is a presentation context to propose: one abstract syntax and
// the transfer syntaxes the requester can send it in, preferred first.
type Proposal struct {
	AbstractSyntax   string
	TransferSyntaxes []string
}

// UserIdentity is the user identity negotiation sub-item (PS3.7 D.3.3.7).
// Only username (type 1) and username with passcode (type 2) are
// supported: Kerberos, SAML and JWT need infrastructure this SDK does not
// assume.
type UserIdentity struct {
	Username string
	// Password is empty for type 1. It is never logged (see LogValue).
	Password string
	// PositiveResponseRequested asks the acceptor to confirm it checked
	// the identity.
	PositiveResponseRequested bool
}

// LogValue redacts the password.
func (u UserIdentity) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("password", u.Password != ""))
}

// AssociationInfo describes an established association to handlers and
// to [Server.Authenticate].
type AssociationInfo struct {
	CallingAE, CalledAE string
	RemoteAddr          net.Addr
	// User is the identity the requester presented, or nil.
	User *UserIdentity
	// Contexts are the accepted presentation contexts (for
	// Authenticate, those that would be accepted).
	Contexts []PresentationContext
	// PeerImplementationClassUID and PeerImplementationVersion identify
	// the peer's DICOM implementation (PS3.7 D.3.3.2).
	PeerImplementationClassUID string
	PeerImplementationVersion  string
	// MaxPDULength is the largest PDU the peer accepts (0: unlimited).
	MaxPDULength uint32
}

// DialOptions configure [Dial]. The zero value proposes Verification only,
// as AE title "RADKIT" to any called AE title ("ANY-SCP").
type DialOptions struct {
	// CalledAE is the remote AE title. Default "ANY-SCP".
	CalledAE string
	// CallingAE is our AE title. Default "RADKIT".
	CallingAE string
	// Proposals are the presentation contexts to propose, at most 128.
	// Default: Verification with implicit VR little endian.
	Proposals []Proposal
	// MaxPDULength is the largest PDU we accept. Default
	// [DefaultMaxPDULength]; clamped to [MinPDULength, MaxPDULengthCap].
	MaxPDULength uint32
	// TLSConfig, when set, runs the association over TLS (the DICOM TLS
	// secure transport connection profile, PS3.15 B.1). Default: plain TCP.
	TLSConfig *tls.Config
	// User, when set, is presented in user identity negotiation.
	User *UserIdentity
	// ARTIMTimeout bounds the wait for A-ASSOCIATE-AC/RJ and
	// A-RELEASE-RP. Default 30s.
	ARTIMTimeout time.Duration
	// Timeout bounds every read or write of a PDU and the wait for a
	// response. Default 60s.
	Timeout time.Duration
	// Dialer dials the TCP connection. Default: a net.Dialer.
	Dialer *net.Dialer
	// Logger receives debug events (never patient data). Default: silent.
	Logger *slog.Logger
}

// Association is an established association, as requester (SCU). Its
// methods may be called from several goroutines; operations are
// serialised, one message exchange at a time (no asynchronous operations
// window is negotiated).
type Association struct {
	mu       sync.Mutex
	c        *conn
	info     AssociationInfo
	contexts []PresentationContext
	artim    time.Duration
	log      *slog.Logger
	msgID    uint16
	err      error // set once the association is unusable
	aborted  atomic.Bool
}

func discardLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func clampPDU(n uint32) uint32 {
	if n == 0 {
		return DefaultMaxPDULength
	}
	return min(max(n, MinPDULength), MaxPDULengthCap)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Dial connects to addr and negotiates an association. A refusal is a
// *[RejectError]; a presentation context the peer declined is simply
// absent from [Association.Contexts].
func Dial(ctx context.Context, addr string, opts *DialOptions) (*Association, error) {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	o.CalledAE = orDefault(o.CalledAE, "ANY-SCP")
	o.CallingAE = orDefault(o.CallingAE, "RADKIT")
	o.ARTIMTimeout = orDefault(o.ARTIMTimeout, defaultARTIM)
	o.Timeout = orDefault(o.Timeout, defaultTimeout)
	if len(o.Proposals) == 0 {
		o.Proposals = []Proposal{{AbstractSyntax: VerificationSOPClass, TransferSyntaxes: []string{dicomio.ImplicitVRLittleEndian}}}
	}
	if len(o.Proposals) > maxPresentationContexts {
		return nil, fmt.Errorf("%w: %d presentation contexts proposed, at most %d", ErrLimit, len(o.Proposals), maxPresentationContexts)
	}
	for _, p := range o.Proposals {
		if len(p.TransferSyntaxes) == 0 || len(p.TransferSyntaxes) > 64 {
			return nil, fmt.Errorf("dimse: proposal for %q has %d transfer syntaxes, want 1 to 64", p.AbstractSyntax, len(p.TransferSyntaxes))
		}
		for _, uid := range append([]string{p.AbstractSyntax}, p.TransferSyntaxes...) {
			if uid == "" || len(uid) > 64 {
				return nil, fmt.Errorf("dimse: invalid UID %q in a proposal", uid)
			}
		}
	}
	for _, ae := range []string{o.CalledAE, o.CallingAE} {
		if len(ae) > 16 {
			return nil, fmt.Errorf("dimse: AE title %q longer than 16 characters", ae)
		}
	}
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: o.ARTIMTimeout}
	}
	var nc net.Conn
	var err error
	if o.TLSConfig != nil {
		td := &tls.Dialer{NetDialer: d, Config: o.TLSConfig}
		nc, err = td.DialContext(ctx, "tcp", addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	a, err := negotiate(ctx, nc, &o)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	return a, nil
}

func negotiate(ctx context.Context, nc net.Conn, o *DialOptions) (*Association, error) {
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Now()) })
	defer stop()
	maxRecv := clampPDU(o.MaxPDULength)
	c := newConn(nc, maxRecv, o.Timeout)
	rq := &associate{
		Type:       pduAssociateRQ,
		CalledAE:   o.CalledAE,
		CallingAE:  o.CallingAE,
		AppContext: ApplicationContext,
		User: userInfo{
			MaxLength:    maxRecv,
			ImplClassUID: dicomio.ImplementationClassUID,
			ImplVersion:  truncate(dicomio.ImplementationVersionName, 16),
		},
	}
	for i, p := range o.Proposals {
		rq.RQContexts = append(rq.RQContexts, presContextRQ{ID: byte(2*i + 1), AbstractSyntax: p.AbstractSyntax, TransferSyntaxes: p.TransferSyntaxes})
	}
	if u := o.User; u != nil {
		if len(u.Username) > 0xFFFF || len(u.Password) > 0xFFFF {
			return nil, errors.New("dimse: user identity field longer than 65535 bytes")
		}
		rq.User.IdentityType = userIdentityUsername
		if u.Password != "" {
			rq.User.IdentityType = userIdentityUsernamePassword
		}
		rq.User.IdentityPositive = u.PositiveResponseRequested
		rq.User.IdentityPrimary = []byte(u.Username)
		rq.User.IdentitySecondary = []byte(u.Password)
	}
	if err := c.writeRaw(encodeAssociate(rq)); err != nil {
		return nil, ctxErr(ctx, err)
	}
	typ, v, err := c.readControl(o.ARTIMTimeout)
	if err != nil {
		if errors.Is(err, ErrMalformedPDU) || errors.Is(err, ErrPDUTooLarge) {
			c.sendAbort(2, 0)
		}
		return nil, ctxErr(ctx, err)
	}
	switch typ {
	case pduAssociateRJ:
		r := v.(*reject)
		return nil, &RejectError{Result: r.Result, Source: r.Source, Reason: r.Reason}
	case pduAbort:
		ab := v.(*abort)
		return nil, &AbortError{Source: ab.Source, Reason: ab.Reason}
	case pduAssociateAC:
	default:
		c.sendAbort(2, 2)
		return nil, &PDUError{Type: typ, Err: ErrUnexpectedPDU}
	}
	ac := v.(*associate)
	a := &Association{c: c, artim: o.ARTIMTimeout, log: discardLogger(o.Logger)}
	c.setMaxSend(ac.User.MaxLength)
	for _, pc := range ac.ACContexts {
		if pc.Result != resultAcceptance {
			continue
		}
		i := int(pc.ID-1) / 2
		if pc.ID%2 == 0 || i >= len(o.Proposals) {
			c.sendAbort(2, 6)
			return nil, &PDUError{Type: typ, Err: fmt.Errorf("%w: accepted context %d was not proposed", ErrMalformedPDU, pc.ID)}
		}
		a.contexts = append(a.contexts, PresentationContext{ID: pc.ID, AbstractSyntax: o.Proposals[i].AbstractSyntax, TransferSyntax: pc.TransferSyntax})
	}
	a.info = AssociationInfo{
		CallingAE: o.CallingAE, CalledAE: o.CalledAE, RemoteAddr: nc.RemoteAddr(), User: o.User,
		Contexts: a.contexts, PeerImplementationClassUID: ac.User.ImplClassUID,
		PeerImplementationVersion: ac.User.ImplVersion, MaxPDULength: ac.User.MaxLength,
	}
	a.log.Debug("dimse: association accepted", "called", o.CalledAE, "contexts", len(a.contexts), "peer_max_pdu", ac.User.MaxLength)
	return a, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ctxErr prefers the context's error when a deadline forced by its
// cancellation caused err.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err)) {
		return fmt.Errorf("dimse: %w", context.Cause(ctx))
	}
	return err
}

// broken reports whether the association can no longer carry messages.
func (a *Association) broken() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err != nil || a.aborted.Load()
}

// Info describes the association.
func (a *Association) Info() AssociationInfo { return a.info }

// Contexts returns the accepted presentation contexts.
func (a *Association) Contexts() []PresentationContext { return a.contexts }

// begin takes the association for one operation, wiring ctx cancellation
// to the connection's deadline.
func (a *Association) begin(ctx context.Context) (func(), error) {
	a.mu.Lock()
	if a.err == nil && a.aborted.Load() {
		a.err = ErrAssociationClosed
	}
	if a.err != nil {
		a.mu.Unlock()
		return nil, a.err
	}
	if err := ctx.Err(); err != nil {
		a.mu.Unlock()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = a.c.nc.SetDeadline(time.Now()) })
	return func() { stop(); a.mu.Unlock() }, nil
}

// fail makes the association unusable after err: a protocol or transport
// error aborts it (PS3.8 says only an abort can end an association whose
// state is no longer known). It returns the error to report.
func (a *Association) fail(ctx context.Context, err error) error {
	err = ctxErr(ctx, err)
	var ce *errControl
	if errors.As(err, &ce) {
		if ab, ok := ce.V.(*abort); ok {
			err = &AbortError{Source: ab.Source, Reason: ab.Reason}
			_ = a.c.nc.Close()
			a.err = err
			return err
		}
		err = &PDUError{Type: ce.Type, Err: ErrUnexpectedPDU}
	}
	reason := byte(0)
	switch {
	case errors.Is(err, ErrUnexpectedPDU):
		reason = 2
	case errors.Is(err, ErrMalformedPDU), errors.Is(err, ErrMalformedCommand):
		reason = 6
	}
	source := byte(2)
	if ctx.Err() != nil {
		source, reason = 0, 0
	}
	a.c.sendAbort(source, reason)
	a.err = &AbortError{Local: true, Err: err}
	a.log.Debug("dimse: association aborted", "err", err)
	return a.err
}

func (a *Association) nextID() uint16 {
	a.msgID++
	if a.msgID == 0 {
		a.msgID = 1
	}
	return a.msgID
}

// roundTrip sends a request (command and optional data) and reads its
// response command. Used by C-ECHO and C-STORE, which have one response.
func (a *Association) roundTrip(ctx context.Context, pc PresentationContext, rq *command, data io.Reader) (*command, error) {
	rq.MessageID = a.nextID()
	rq.HasData = data != nil
	if err := a.c.writeCommand(pc.ID, encodeCommand(rq)); err != nil {
		return nil, a.fail(ctx, err)
	}
	if data != nil {
		if _, err := a.c.writeData(pc.ID, data); err != nil {
			return nil, a.fail(ctx, err)
		}
	}
	_, rsp, err := a.c.readCommand(a.c.timeout)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if rsp.Field != rq.Field|0x8000 || rsp.RespondedTo != rq.MessageID {
		return nil, a.fail(ctx, fmt.Errorf("%w: response 0x%04x to message %d, want 0x%04x to %d", ErrUnexpectedPDU, rsp.Field, rsp.RespondedTo, rq.Field|0x8000, rq.MessageID))
	}
	if rsp.HasData {
		dr := &dataReader{c: a.c, ctxID: pc.ID}
		if err := dr.drain(); err != nil {
			return nil, a.fail(ctx, err)
		}
	}
	return rsp, nil
}

// Echo sends a C-ECHO: the DICOM "ping".
func (a *Association) Echo(ctx context.Context) error {
	done, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer done()
	pc, ok := a.find(VerificationSOPClass, "")
	if !ok {
		return &ContextError{SOPClass: VerificationSOPClass}
	}
	rsp, err := a.roundTrip(ctx, pc, &command{Field: cEchoRQ, AffectedSOPClass: VerificationSOPClass}, nil)
	if err != nil {
		return err
	}
	return statusErr(rsp.Status, rsp.ErrorComment)
}

// ContextError reports that no accepted presentation context can carry an
// instance: its SOP class was refused, or only in transfer syntaxes it
// cannot be converted to without a pixel codec. It matches
// [ErrNoPresentationContext].
type ContextError struct {
	SOPClass       string
	TransferSyntax string
}

func (e *ContextError) Error() string {
	if e.TransferSyntax == "" {
		return fmt.Sprintf("dimse: no accepted presentation context for SOP class %s", e.SOPClass)
	}
	return fmt.Sprintf("dimse: no accepted presentation context for SOP class %s in or from transfer syntax %s", e.SOPClass, e.TransferSyntax)
}

func (e *ContextError) Unwrap() error { return ErrNoPresentationContext }

// find returns the context for abstract syntax as with transfer syntax ts
// ("" for any).
func (a *Association) find(as, ts string) (PresentationContext, bool) {
	for _, pc := range a.contexts {
		if pc.AbstractSyntax == as && (ts == "" || pc.TransferSyntax == ts) {
			return pc, true
		}
	}
	return PresentationContext{}, false
}

// native reports whether uid is an uncompressed syntax dicomio converts
// between (explicit big endian only as a source).
func native(uid string) bool {
	ts, err := dicomio.LookupTransferSyntax(uid)
	return err == nil && !ts.Encapsulated
}

// chooseContext picks the context for an instance: its own transfer
// syntax if accepted (sent byte for byte), else a native syntax when the
// instance is native (converted on the fly).
func (a *Association) chooseContext(sopClass, ts string) (PresentationContext, error) {
	if pc, ok := a.find(sopClass, ts); ok {
		return pc, nil
	}
	if native(ts) || canDecode(ts) {
		for _, pc := range a.contexts {
			if pc.AbstractSyntax == sopClass && native(pc.TransferSyntax) && pc.TransferSyntax != dicomio.ExplicitVRBigEndian {
				return pc, nil
			}
		}
	}
	return PresentationContext{}, &ContextError{SOPClass: sopClass, TransferSyntax: ts}
}

// StoreOptions steer one C-STORE. The zero value sends at medium priority
// with no move originator.
type StoreOptions struct {
	// Priority is 0 medium (default), 1 high, 2 low.
	Priority uint16
	// MoveOriginatorAE and MoveOriginatorMessageID are set when the store
	// is a sub-operation of a C-MOVE.
	MoveOriginatorAE        string
	MoveOriginatorMessageID uint16
}

// Store sends one instance, read from r as a Part 10 stream, with a
// C-STORE. The data set is streamed: it is never held in memory whole.
// When the instance's transfer syntax was not accepted but another native
// one was, it is converted on the fly. A non-success status is a
// *[StatusError] (warnings included; test with errors.Is(err,
// ErrWarning)); a source that fails to read aborts the association with a
// *[SourceError].
func (a *Association) Store(ctx context.Context, r io.Reader, opts *StoreOptions) error {
	in, err := splitPart10(r)
	if err != nil {
		return err
	}
	done, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer done()
	return a.store(ctx, in, opts)
}

func (a *Association) store(ctx context.Context, in *instance, opts *StoreOptions) error {
	var o StoreOptions
	if opts != nil {
		o = *opts
	}
	pc, err := a.chooseContext(in.SOPClass, in.TransferSyntax)
	if err != nil {
		return err
	}
	body := in.body
	switch {
	case pc.TransferSyntax == in.TransferSyntax:
	case native(in.TransferSyntax):
		var wait func() error
		body, wait, err = transcode(ctx, in, pc.TransferSyntax)
		if err != nil {
			return err
		}
		defer func() { _ = wait() }()
	default:
		if body, err = decodeToNative(ctx, in, pc.TransferSyntax); err != nil {
			return err
		}
	}
	rq := &command{
		Field: cStoreRQ, AffectedSOPClass: in.SOPClass, AffectedSOPInstance: in.SOPInstance,
		Priority: o.Priority, MoveOriginatorAE: o.MoveOriginatorAE, MoveOriginatorMsgID: o.MoveOriginatorMessageID,
	}
	rsp, err := a.roundTrip(ctx, pc, rq, body)
	if err != nil {
		return err
	}
	return statusErr(rsp.Status, rsp.ErrorComment)
}

// transcode converts the instance to transfer syntax ts through
// dicomio.Rewrite in a goroutine, returning the converted data set stream.
func transcode(ctx context.Context, in *instance, ts string) (io.Reader, func() error, error) {
	pr, pw := io.Pipe()
	src := io.MultiReader(bytes.NewReader(part10Header(in.SOPClass, in.SOPInstance, in.TransferSyntax, "")), in.body)
	errc := make(chan error, 1)
	go func() {
		err := dicomio.Rewrite(ctx, src, pw, nil, &dicomio.RewriteOptions{Write: dicomio.WriteOptions{TransferSyntax: ts}})
		pw.CloseWithError(err)
		errc <- err
	}()
	wait := func() error { _ = pr.Close(); return <-errc }
	out, err := splitPart10(pr)
	if err != nil {
		_ = wait()
		return nil, nil, err
	}
	return out.body, wait, nil
}

// canDecode reports whether radkit's codecs decode the compressed syntax
// uid, so that an instance the peer does not accept compressed can be sent
// uncompressed.
func canDecode(uid string) bool {
	return !native(uid) && codec.NewRegistry().CanDecode(uid)
}

// decodeToNative decompresses the instance with radkit's codecs and
// returns its data set in the native syntax ts. Unlike the native
// conversions, which stream, the object is held in memory while it is
// decoded (one instance at a time).
func decodeToNative(ctx context.Context, in *instance, ts string) (io.Reader, error) {
	src := io.MultiReader(bytes.NewReader(part10Header(in.SOPClass, in.SOPInstance, in.TransferSyntax, "")), in.body)
	f, err := dicomio.Parse(src, nil)
	if err != nil {
		return nil, err
	}
	out, _, err := codec.Transcode(ctx, f, ts, nil)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := dicomio.WriteDataset(&b, out.Dataset, ts, nil); err != nil {
		return nil, err
	}
	return &b, nil
}

// StoreFile sends the Part 10 file at path with [Association.Store].
func (a *Association) StoreFile(ctx context.Context, path string, opts *StoreOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return a.Store(ctx, f, opts)
}

// Release ends the association in order (A-RELEASE-RQ, then the peer's
// A-RELEASE-RP within the ARTIM timeout) and closes the connection. If the
// peer does not answer in time, the association is aborted.
func (a *Association) Release(ctx context.Context) error {
	done, err := a.begin(ctx)
	if err != nil {
		if ctx.Err() != nil {
			_ = a.Abort() // never leave the connection open
			return err
		}
		return nil // already released or aborted
	}
	defer done()
	a.err = ErrAssociationClosed
	if err := a.c.writeRaw(encodeRelease(pduReleaseRQ)); err != nil {
		_ = a.c.nc.Close()
		return ctxErr(ctx, err)
	}
	for range 16 { // a peer may still be sending PDVs of nothing we await: bounded
		typ, _, err := a.c.readControl(a.artim)
		if err != nil {
			a.c.sendAbort(0, 0)
			return ctxErr(ctx, err)
		}
		if typ == pduReleaseRP {
			return a.c.nc.Close()
		}
		if typ == pduAbort {
			_ = a.c.nc.Close()
			return nil
		}
	}
	a.c.sendAbort(2, 2)
	return fmt.Errorf("%w: no A-RELEASE-RP", ErrUnexpectedPDU)
}

// Abort ends the association at once with an A-ABORT, interrupting an
// operation in progress (which then fails).
func (a *Association) Abort() error {
	if a.aborted.CompareAndSwap(false, true) {
		a.c.sendAbort(0, 0)
	}
	return nil
}

// Echo associates with the SCP at addr, sends a C-ECHO and releases: the
// DICOM "ping", what dcmtk's echoscu does. opts.Proposals is ignored.
func Echo(ctx context.Context, addr string, opts *DialOptions) error {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	o.Proposals = nil
	a, err := Dial(ctx, addr, &o)
	if err != nil {
		return err
	}
	if err := a.Echo(ctx); err != nil {
		_ = a.Abort()
		return err
	}
	return a.Release(ctx)
}
