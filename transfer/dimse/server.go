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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// StoreRequest is one received C-STORE.
type StoreRequest struct {
	// Association describes the association the instance came on.
	Association *AssociationInfo
	// SOPClassUID and SOPInstanceUID are from the command set.
	SOPClassUID, SOPInstanceUID string
	// TransferSyntax is the negotiated transfer syntax of the data set.
	TransferSyntax string
	// MessageID and Priority (0 medium, 1 high, 2 low) are from the
	// command set; MoveOriginatorAE is set when a C-MOVE caused the store.
	MessageID        uint16
	Priority         uint16
	MoveOriginatorAE string
	// Body is the instance as a Part 10 stream: a file meta information
	// header built from the command (with the calling AE title as Source
	// Application Entity Title) followed by the data set exactly as
	// received, streamed from the network as the handler reads it. It is
	// valid only until the handler returns; what the handler does not
	// read is discarded.
	Body io.Reader
}

// Handler receives C-STORE requests. ServeStore is called from the
// association's goroutine, so calls for one association are sequential
// and calls for different associations concurrent. Returning nil answers
// Success; a *[StatusError] answers its code (a warning such as 0xB000
// still means stored); any other error answers 0xA700 (Refused: out of
// resources), with no detail sent to the peer.
type Handler interface {
	ServeStore(ctx context.Context, req *StoreRequest) error
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(ctx context.Context, req *StoreRequest) error

// ServeStore calls f.
func (f HandlerFunc) ServeStore(ctx context.Context, req *StoreRequest) error { return f(ctx, req) }

// storagePrefix is the root under which every standard storage SOP class
// lies (PS3.4 B.5, PS3.6 A).
const storagePrefix = "1.2.840.10008.5.1.4.1.1."

// defaultTransferSyntaxes are accepted by a [Server] whose
// TransferSyntaxes is nil, in order of preference: the native ones and the
// common compressed ones, which a store handler receives unchanged.
var defaultTransferSyntaxes = []string{
	dicomio.ExplicitVRLittleEndian,
	dicomio.ImplicitVRLittleEndian,
	dicomio.DeflatedExplicitVRLittleEndian,
	dicomio.ExplicitVRBigEndian,
	dicomio.JPEGLosslessSV1,
	dicomio.JPEGLossless,
	dicomio.JPEGBaseline8Bit,
	dicomio.JPEGExtended12Bit,
	dicomio.JPEGLSLossless,
	dicomio.JPEGLSNearLossless,
	dicomio.JPEG2000Lossless,
	dicomio.JPEG2000,
	dicomio.RLELossless,
}

// DefaultTransferSyntaxes returns the syntaxes a [Server] accepts by
// default, preferred first.
func DefaultTransferSyntaxes() []string { return slices.Clone(defaultTransferSyntaxes) }

// Server is a DICOM application entity that accepts associations: C-ECHO
// always, C-STORE when Handler is set, C-FIND when Finder is set. The zero value is a valid
// configuration (an echo-only SCP); fields must not change after Serve.
type Server struct {
	// Handler receives C-STORE requests. Nil: storage contexts are
	// refused and only Verification is offered.
	Handler Handler
	// Finder answers C-FIND requests (patient and study root). Nil:
	// query contexts are refused.
	Finder FindHandler
	// AETitle is the called AE title to answer to. Default "": any (a
	// requester naming another title is otherwise rejected, reason 7).
	AETitle string
	// SOPClasses lists the storage SOP classes accepted. Default nil:
	// every standard storage SOP class (UIDs under
	// 1.2.840.10008.5.1.4.1.1.); list private ones explicitly.
	SOPClasses []string
	// TransferSyntaxes lists the accepted transfer syntaxes, preferred
	// first: for each proposed context the first of these the requester
	// offered is chosen. Default [DefaultTransferSyntaxes].
	TransferSyntaxes []string
	// MaxAssociations caps concurrent associations; beyond it requesters
	// are rejected as transient (local limit exceeded). Default 64.
	MaxAssociations int
	// MaxPDULength is the largest PDU we accept. Default
	// [DefaultMaxPDULength]; clamped to [MinPDULength, MaxPDULengthCap].
	MaxPDULength uint32
	// ARTIMTimeout bounds the wait for A-ASSOCIATE-RQ after a connection
	// opens and for the peer to close after release. Default 30s.
	ARTIMTimeout time.Duration
	// Timeout bounds every read or write of one PDU once a message has
	// started, so a peer that stops sending or reading is aborted.
	// Default 60s.
	Timeout time.Duration
	// IdleTimeout bounds the wait for the next message on an open
	// association. Default 5 minutes.
	IdleTimeout time.Duration
	// TLSConfig, when set, makes [Server.ListenAndServe] and
	// [Server.Serve] wrap connections in TLS (with ClientAuth set there
	// for mutual authentication, as the DICOM TLS profiles expect).
	TLSConfig *tls.Config
	// Authenticate, when set, decides whether to accept an association
	// once it is negotiated (user identity, calling AE title, address);
	// an error rejects it permanently with no reason sent. It runs before
	// any data is exchanged. Default: accept all.
	Authenticate func(ctx context.Context, a *AssociationInfo) error
	// BaseContext returns the parent context of every association's
	// context. Default context.Background.
	BaseContext func(net.Listener) context.Context
	// Logger receives debug and error events: AE titles and addresses,
	// never UIDs or patient data. Default: silent.
	Logger *slog.Logger

	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	assocs     map[*serverAssoc]struct{}
	pending    map[net.Conn]struct{} // connections not yet associated
	inShutdown atomic.Bool
	active     atomic.Int64
	conns      atomic.Int64
	wg         sync.WaitGroup
}

func (s *Server) maxAssociations() int { return orDefault(s.MaxAssociations, 64) }
func (s *Server) logger() *slog.Logger { return discardLogger(s.Logger) }

// ListenAndServe listens on addr (TCP) and calls [Server.Serve].
func (s *Server) ListenAndServe(addr string) error {
	if s.inShutdown.Load() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l, each association in its own goroutine,
// until l fails or the server is shut down; it then returns
// [ErrServerClosed]. It closes l.
func (s *Server) Serve(l net.Listener) error {
	if s.TLSConfig != nil {
		l = tls.NewListener(l, s.TLSConfig)
	}
	s.mu.Lock()
	if s.inShutdown.Load() {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[*net.Listener]struct{}{}
		s.assocs = map[*serverAssoc]struct{}{}
		s.pending = map[net.Conn]struct{}{}
	}
	s.listeners[&l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, &l)
		s.mu.Unlock()
		_ = l.Close()
	}()
	base := context.Background()
	if s.BaseContext != nil {
		base = s.BaseContext(l)
	}
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() { // transient, as net/http does
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		// Twice MaxAssociations connections may be open: the extra ones
		// only live long enough to be rejected politely.
		if s.conns.Add(1) > int64(2*s.maxAssociations()) {
			s.conns.Add(-1)
			_ = nc.Close()
			continue
		}
		// Under s.mu so that Shutdown, which sets inShutdown under it,
		// never waits on a WaitGroup that grows afterwards.
		s.mu.Lock()
		if s.inShutdown.Load() {
			s.mu.Unlock()
			s.conns.Add(-1)
			_ = nc.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		s.pending[nc] = struct{}{}
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer s.conns.Add(-1)
			defer func() {
				s.mu.Lock()
				delete(s.pending, nc)
				s.mu.Unlock()
			}()
			s.serveConn(base, nc)
		}()
	}
}

// Shutdown stops accepting, aborts associations waiting for their next
// message, lets those in the middle of a message finish it (then aborts
// them), and returns when all are gone or ctx is done, in which case the
// rest are aborted at once. A requester should release before: an SCP
// cannot release an association (PS3.8 7.2), only abort it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.inShutdown.Store(true)
	s.mu.Unlock()
	s.closeListeners()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.interruptIdle()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			s.abortAll()
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close stops the server at once, aborting every association.
func (s *Server) Close() error {
	s.mu.Lock()
	s.inShutdown.Store(true)
	s.mu.Unlock()
	s.closeListeners()
	s.abortAll()
	s.wg.Wait()
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		_ = (*l).Close()
	}
}

// interruptIdle aborts associations between messages and connections
// still negotiating (those will be rejected anyway once inShutdown).
func (s *Server) interruptIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a := range s.assocs {
		a.interruptIfIdle()
	}
	for nc := range s.pending {
		_ = nc.SetReadDeadline(time.Now())
	}
}

func (s *Server) abortAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a := range s.assocs {
		a.cancel()
		_ = a.c.nc.SetDeadline(time.Now())
	}
	for nc := range s.pending {
		_ = nc.SetDeadline(time.Now())
	}
}

// serverAssoc is the acceptor side of one association.
type serverAssoc struct {
	s        *Server
	c        *conn
	info     AssociationInfo
	contexts map[byte]PresentationContext
	log      *slog.Logger
	cancel   context.CancelFunc

	mu          sync.Mutex
	idle        bool
	interrupted bool
}

func (a *serverAssoc) setIdle(idle bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.idle = idle
	return a.interrupted
}

func (a *serverAssoc) interruptIfIdle() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.interrupted = true
	if a.idle {
		_ = a.c.nc.SetReadDeadline(time.Now())
	}
}

type assocKey struct{}

// AssociationFromContext returns the association a handler's context
// belongs to.
func AssociationFromContext(ctx context.Context) (*AssociationInfo, bool) {
	a, ok := ctx.Value(assocKey{}).(*AssociationInfo)
	return a, ok
}

func (s *Server) serveConn(base context.Context, nc net.Conn) {
	log := s.logger()
	artim := orDefault(s.ARTIMTimeout, defaultARTIM)
	c := newConn(nc, clampPDU(s.MaxPDULength), orDefault(s.Timeout, defaultTimeout))
	defer nc.Close()
	if tc, ok := nc.(*tls.Conn); ok {
		_ = nc.SetDeadline(time.Now().Add(artim))
		if err := tc.Handshake(); err != nil {
			log.Debug("dimse: TLS handshake failed", "remote", nc.RemoteAddr().String(), "err", err)
			return
		}
	}
	typ, v, err := c.readControl(artim)
	if err != nil {
		log.Debug("dimse: no association request", "remote", nc.RemoteAddr().String(), "err", err)
		if typ != 0 {
			c.sendAbort(2, abortReason(err))
		}
		return
	}
	if typ != pduAssociateRQ {
		c.sendAbort(2, 2)
		return
	}
	rq := v.(*associate)
	ctx, cancel := context.WithCancel(base)
	defer cancel()
	a := &serverAssoc{s: s, c: c, log: log, cancel: cancel, contexts: map[byte]PresentationContext{}}
	if !s.accept(ctx, a, rq) {
		return
	}
	if s.active.Add(1) > int64(s.maxAssociations()) {
		s.active.Add(-1)
		s.sendReject(c, rejectLimit, artim)
		return
	}
	defer s.active.Add(-1)
	s.mu.Lock()
	if s.inShutdown.Load() {
		s.mu.Unlock()
		s.sendReject(c, rejectLimit, artim)
		return
	}
	delete(s.pending, nc)
	s.assocs[a] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.assocs, a)
		s.mu.Unlock()
	}()
	if err := c.writeRaw(encodeAssociate(a.acceptPDU(rq))); err != nil {
		return
	}
	log.Debug("dimse: association accepted", "calling", a.info.CallingAE, "remote", nc.RemoteAddr().String(), "contexts", len(a.contexts))
	a.serve(context.WithValue(ctx, assocKey{}, &a.info), artim)
}

func abortReason(err error) byte {
	switch {
	case errors.Is(err, ErrUnexpectedPDU):
		return 2
	case errors.Is(err, ErrMalformedPDU), errors.Is(err, ErrMalformedCommand), errors.Is(err, ErrPDUTooLarge), errors.Is(err, ErrLimit):
		return 6
	}
	return 0
}

func (s *Server) sendReject(c *conn, r reject, artim time.Duration) {
	if c.writeRaw(encodeReject(r)) == nil {
		// ARTIM: give the requester a moment to read the reject and close.
		c.readDeadline(min(artim, 2*time.Second))
		_, _ = io.Copy(io.Discard, io.LimitReader(c.r, 1<<16))
	}
}

// accept negotiates: it fills a.info and a.contexts, or rejects and
// returns false.
func (s *Server) accept(ctx context.Context, a *serverAssoc, rq *associate) bool {
	artim := orDefault(s.ARTIMTimeout, defaultARTIM)
	c := a.c
	switch {
	case rq.ProtocolVersion&1 == 0:
		s.sendReject(c, rejectProtocolVersion, artim)
		return false
	case rq.AppContext != ApplicationContext:
		s.sendReject(c, rejectAppContext, artim)
		return false
	case s.AETitle != "" && rq.CalledAE != s.AETitle:
		s.sendReject(c, rejectCalledAE, artim)
		return false
	}
	c.setMaxSend(rq.User.MaxLength)
	a.info = AssociationInfo{
		CallingAE: rq.CallingAE, CalledAE: rq.CalledAE, RemoteAddr: c.nc.RemoteAddr(),
		PeerImplementationClassUID: rq.User.ImplClassUID, PeerImplementationVersion: rq.User.ImplVersion,
		MaxPDULength: rq.User.MaxLength,
	}
	if t := rq.User.IdentityType; t == userIdentityUsername || t == userIdentityUsernamePassword {
		a.info.User = &UserIdentity{Username: string(rq.User.IdentityPrimary), PositiveResponseRequested: rq.User.IdentityPositive}
		if t == userIdentityUsernamePassword {
			a.info.User.Password = string(rq.User.IdentitySecondary)
		}
	}
	tss := s.TransferSyntaxes
	if tss == nil {
		tss = defaultTransferSyntaxes
	}
	for _, pc := range rq.RQContexts {
		if !s.acceptsAbstract(pc.AbstractSyntax) {
			continue
		}
		for _, ts := range tss {
			if slices.Contains(pc.TransferSyntaxes, ts) {
				a.contexts[pc.ID] = PresentationContext{ID: pc.ID, AbstractSyntax: pc.AbstractSyntax, TransferSyntax: ts}
				a.info.Contexts = append(a.info.Contexts, a.contexts[pc.ID])
				break
			}
		}
	}
	if s.Authenticate != nil {
		if err := s.Authenticate(ctx, &a.info); err != nil {
			a.log.Debug("dimse: association refused by Authenticate", "calling", rq.CallingAE, "remote", c.nc.RemoteAddr().String())
			s.sendReject(c, rejectNoReason, artim)
			return false
		}
	}
	return true
}

func (s *Server) acceptsAbstract(uid string) bool {
	switch uid {
	case VerificationSOPClass:
		return true
	case PatientRootFind, StudyRootFind:
		return s.Finder != nil
	}
	if s.Handler == nil {
		return false
	}
	if s.SOPClasses == nil {
		return strings.HasPrefix(uid, storagePrefix)
	}
	return slices.Contains(s.SOPClasses, uid)
}

// acceptPDU builds the A-ASSOCIATE-AC for rq from the negotiated contexts.
func (a *serverAssoc) acceptPDU(rq *associate) *associate {
	ac := &associate{
		Type: pduAssociateAC, CalledAE: rq.CalledAE, CallingAE: rq.CallingAE, AppContext: ApplicationContext,
		User: userInfo{MaxLength: a.c.maxRecv, ImplClassUID: dicomio.ImplementationClassUID, ImplVersion: truncate(dicomio.ImplementationVersionName, 16)},
	}
	for _, pc := range rq.RQContexts {
		if got, ok := a.contexts[pc.ID]; ok {
			ac.ACContexts = append(ac.ACContexts, presContextAC{ID: pc.ID, Result: resultAcceptance, TransferSyntax: got.TransferSyntax})
			continue
		}
		result := resultAbstractNotSupported
		if a.s.acceptsAbstract(pc.AbstractSyntax) {
			result = resultTransferNotSupported
		}
		ac.ACContexts = append(ac.ACContexts, presContextAC{ID: pc.ID, Result: result})
	}
	if a.info.User != nil && rq.User.IdentityPositive {
		ac.User.HasIdentityResponse = true
	}
	return ac
}

// serve runs the association's message loop until release, abort or error.
func (a *serverAssoc) serve(ctx context.Context, artim time.Duration) {
	c := a.c
	idle := orDefault(a.s.IdleTimeout, 5*time.Minute)
	for {
		if a.setIdle(true) {
			c.sendAbort(2, 0)
			return
		}
		ctxID, cmd, err := c.readCommand(idle)
		interrupted := a.setIdle(false)
		var ce *errControl
		switch {
		case errors.As(err, &ce):
			switch ce.Type {
			case pduReleaseRQ:
				if c.writeRaw(encodeRelease(pduReleaseRP)) == nil {
					// ARTIM: the requester closes the transport.
					c.readDeadline(artim)
					_, _ = io.Copy(io.Discard, io.LimitReader(c.r, 1<<16))
				}
				a.log.Debug("dimse: association released", "calling", a.info.CallingAE)
			case pduAbort:
				a.log.Debug("dimse: association aborted by peer", "calling", a.info.CallingAE)
			default:
				c.sendAbort(2, 2)
			}
			return
		case err != nil:
			if interrupted || errors.Is(err, io.EOF) {
				c.sendAbort(2, 0)
				return
			}
			a.log.Debug("dimse: association aborted", "calling", a.info.CallingAE, "err", err)
			c.sendAbort(2, abortReason(err))
			return
		}
		pc, ok := a.contexts[ctxID]
		if !ok {
			a.log.Debug("dimse: message on a context not accepted", "calling", a.info.CallingAE, "context", ctxID)
			c.sendAbort(2, 6)
			return
		}
		if err := a.dispatch(ctx, pc, cmd); err != nil {
			a.log.Debug("dimse: association aborted", "calling", a.info.CallingAE, "err", err)
			c.sendAbort(2, abortReason(err))
			return
		}
	}
}

// respond sends a response command with no data set.
func (a *serverAssoc) respond(pc PresentationContext, rq *command, status uint16, comment string) error {
	rsp := &command{
		Field: rq.Field | 0x8000, RespondedTo: rq.MessageID, Status: status, ErrorComment: comment,
		AffectedSOPClass: rq.AffectedSOPClass, AffectedSOPInstance: rq.AffectedSOPInstance,
	}
	return a.c.writeCommand(pc.ID, encodeCommand(rsp))
}

// dispatch serves one request. An error aborts the association.
func (a *serverAssoc) dispatch(ctx context.Context, pc PresentationContext, cmd *command) error {
	var data *dataReader
	if cmd.HasData {
		data = &dataReader{c: a.c, ctxID: pc.ID}
	}
	switch cmd.Field {
	case cEchoRQ:
		if data != nil {
			if err := data.drain(); err != nil {
				return err
			}
		}
		return a.respond(pc, cmd, StatusSuccess, "")
	case cStoreRQ:
		if data == nil {
			return fmt.Errorf("%w: C-STORE-RQ without a data set", ErrMalformedCommand)
		}
		status, comment := a.store(ctx, pc, cmd, data)
		if data.err != nil {
			return data.err
		}
		if err := data.drain(); err != nil {
			return err
		}
		return a.respond(pc, cmd, status, comment)
	case cFindRQ:
		if data == nil {
			return fmt.Errorf("%w: C-FIND-RQ without an identifier", ErrMalformedCommand)
		}
		return a.serveFind(ctx, pc, cmd, data)
	case cCancelRQ:
		// Nothing is pending in a synchronous association: ignore.
		return nil
	}
	if data != nil {
		if err := data.drain(); err != nil {
			return err
		}
	}
	if cmd.Field&0x8000 != 0 {
		return fmt.Errorf("%w: response 0x%04x without a request", ErrUnexpectedPDU, cmd.Field)
	}
	return a.respond(pc, cmd, StatusUnrecognizedOp, "")
}

func (a *serverAssoc) store(ctx context.Context, pc PresentationContext, cmd *command, data *dataReader) (status uint16, comment string) {
	h := a.s.Handler
	if h == nil {
		return StatusSOPClassNotSupported, ""
	}
	if cmd.AffectedSOPClass != pc.AbstractSyntax {
		return StatusDataSetMismatch, "SOP class differs from the presentation context"
	}
	req := &StoreRequest{
		Association: &a.info, SOPClassUID: cmd.AffectedSOPClass, SOPInstanceUID: cmd.AffectedSOPInstance,
		TransferSyntax: pc.TransferSyntax, MessageID: cmd.MessageID, Priority: cmd.Priority,
		MoveOriginatorAE: cmd.MoveOriginatorAE,
		Body:             io.MultiReader(bytes.NewReader(part10Header(cmd.AffectedSOPClass, cmd.AffectedSOPInstance, pc.TransferSyntax, a.info.CallingAE)), data),
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("dimse: store handler panicked", "panic", fmt.Sprint(r))
				err = fmt.Errorf("dimse: handler panic")
			}
		}()
		return h.ServeStore(ctx, req)
	}()
	if err == nil {
		return StatusSuccess, ""
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code, se.Comment
	}
	a.log.Debug("dimse: store handler failed", "calling", a.info.CallingAE, "err", err)
	return StatusOutOfResources, ""
}
