package dimse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// Query/Retrieve information models for C-FIND (PS3.4 C.6).
const (
	PatientRootFind = "1.2.840.10008.5.1.4.1.2.1.1"
	StudyRootFind   = "1.2.840.10008.5.1.4.1.2.2.1"
)

// TagQueryRetrieveLevel is (0008,0052), the level of a C-FIND identifier:
// "PATIENT", "STUDY", "SERIES" or "IMAGE".
const TagQueryRetrieveLevel dicomio.Tag = 0x00080052

// maxIdentifierLen caps a C-FIND identifier: queries and matches are a
// few kilobytes, and each is held in memory.
const maxIdentifierLen = 1 << 20

// FindRequest is one received C-FIND.
type FindRequest struct {
	Association *AssociationInfo
	// SOPClassUID is the information model: [PatientRootFind] or
	// [StudyRootFind].
	SOPClassUID string
	// Level is the Query/Retrieve Level of the identifier.
	Level string
	// Identifier holds the matching keys (PS3.4 C.2.2.1); [Match] applies
	// them.
	Identifier *dicomio.Dataset
	MessageID  uint16
	Priority   uint16
}

// FindHandler answers C-FIND requests: it calls match once per matching
// entity, each sent at once as a Pending response, then returns. Returning
// nil ends with Success, a *[StatusError] with its code, another error
// with 0xC001 (Unable to process). When the requester sends a C-CANCEL,
// match returns [ErrCancel], ctx is cancelled, and the final status is
// Cancel (0xFE00) whatever the handler returns.
type FindHandler interface {
	ServeFind(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error
}

// FindHandlerFunc adapts a function to [FindHandler].
type FindHandlerFunc func(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error

// ServeFind calls f.
func (f FindHandlerFunc) ServeFind(ctx context.Context, req *FindRequest, match func(*dicomio.Dataset) error) error {
	return f(ctx, req, match)
}

// encodeIdentifier encodes ds as a bare data set in transfer syntax ts.
// It goes through File.Write and drops the file meta information, so that
// only dicomio's committed API is used (see dicomio.WriteDataset).
func encodeIdentifier(ds *dicomio.Dataset, ts string) ([]byte, error) {
	f, err := dicomio.NewFile(ds, ts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, nil); err != nil {
		return nil, err
	}
	in, err := splitMeta(&buf)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(in.body)
}

// decodeIdentifier reads a bare data set of at most maxIdentifierLen
// bytes in transfer syntax ts.
func decodeIdentifier(r io.Reader, ts string) (*dicomio.Dataset, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxIdentifierLen+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxIdentifierLen {
		return nil, fmt.Errorf("%w: identifier over %d bytes", ErrLimit, maxIdentifierLen)
	}
	src := io.MultiReader(bytes.NewReader(part10Header("", "", ts, "")), bytes.NewReader(b))
	f, err := dicomio.Parse(src, &dicomio.ReadOptions{MaxBytes: 4 * maxIdentifierLen})
	if err != nil {
		return nil, err
	}
	return f.Dataset, nil
}

// Find runs a C-FIND with identifier under information model sopClass
// ([PatientRootFind] or [StudyRootFind]), calling fn for each match. If fn
// returns an error, a C-CANCEL is sent, the remaining responses are read
// and discarded, and that error is returned.
func (a *Association) Find(ctx context.Context, sopClass string, identifier *dicomio.Dataset, fn func(*dicomio.Dataset) error) error {
	done, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer done()
	pc, ok := a.find(sopClass, "")
	if !ok {
		return &ContextError{SOPClass: sopClass}
	}
	id, err := encodeIdentifier(identifier, pc.TransferSyntax)
	if err != nil {
		return err
	}
	rq := &command{Field: cFindRQ, MessageID: a.nextID(), AffectedSOPClass: sopClass, HasData: true}
	if err := a.c.writeCommand(pc.ID, encodeCommand(rq)); err != nil {
		return a.fail(ctx, err)
	}
	if _, err := a.c.writeData(pc.ID, bytes.NewReader(id)); err != nil {
		return a.fail(ctx, err)
	}
	var fnErr error
	for {
		ctxID, rsp, err := a.c.readCommand(a.c.timeout)
		if err != nil {
			return a.fail(ctx, err)
		}
		if rsp.Field != cFindRSP || rsp.RespondedTo != rq.MessageID || ctxID != pc.ID {
			return a.fail(ctx, fmt.Errorf("%w: response 0x%04x to message %d on context %d during C-FIND", ErrUnexpectedPDU, rsp.Field, rsp.RespondedTo, ctxID))
		}
		var match *dicomio.Dataset
		if rsp.HasData {
			dr := &dataReader{c: a.c, ctxID: pc.ID}
			match, err = decodeIdentifier(dr, pc.TransferSyntax)
			if dr.err != nil {
				return a.fail(ctx, dr.err)
			}
			if derr := dr.drain(); derr != nil {
				return a.fail(ctx, derr)
			}
			if err != nil && fnErr == nil {
				fnErr = err
				if cerr := a.cancel(pc, rq.MessageID); cerr != nil {
					return a.fail(ctx, cerr)
				}
			}
		}
		if statusClass(rsp.Status) != classPending {
			if fnErr != nil {
				return fnErr
			}
			return statusErr(rsp.Status, rsp.ErrorComment)
		}
		if match != nil && fnErr == nil {
			if fnErr = fn(match); fnErr != nil {
				if err := a.cancel(pc, rq.MessageID); err != nil {
					return a.fail(ctx, err)
				}
			}
		}
	}
}

func (a *Association) cancel(pc PresentationContext, id uint16) error {
	return a.c.writeCommand(pc.ID, encodeCommand(&command{Field: cCancelRQ, RespondedTo: id}))
}

// find serves a C-FIND on the acceptor side.
func (a *serverAssoc) serveFind(ctx context.Context, pc PresentationContext, cmd *command, data *dataReader) error {
	id, err := decodeIdentifier(data, pc.TransferSyntax)
	if data.err != nil {
		return data.err
	}
	if derr := data.drain(); derr != nil {
		return derr
	}
	h := a.s.Finder
	switch {
	case err != nil:
		a.log.Debug("dimse: undecodable C-FIND identifier", "calling", a.info.CallingAE, "err", err)
		return a.respond(pc, cmd, StatusDataSetMismatch, "identifier cannot be decoded")
	case h == nil:
		return a.respond(pc, cmd, StatusSOPClassNotSupported, "")
	}
	req := &FindRequest{Association: &a.info, SOPClassUID: pc.AbstractSyntax, Level: id.String(TagQueryRetrieveLevel),
		Identifier: id, MessageID: cmd.MessageID, Priority: cmd.Priority}
	var sendErr error
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var lastPoll time.Time
	match := func(ds *dicomio.Dataset) error {
		if sendErr != nil {
			return sendErr
		}
		if time.Since(lastPoll) > cancelPollInterval {
			lastPoll = time.Now()
			switch cancelled, err := a.pollCancel(cmd.MessageID); {
			case err != nil:
				sendErr = err
				return err
			case cancelled:
				cancel(ErrCancel)
			}
		}
		if err := context.Cause(ctx); err != nil {
			return err
		}
		b, err := encodeIdentifier(ds, pc.TransferSyntax)
		if err != nil {
			return err
		}
		rsp := &command{Field: cFindRSP, RespondedTo: cmd.MessageID, Status: StatusPending, AffectedSOPClass: pc.AbstractSyntax, HasData: true}
		if err := a.c.writeCommand(pc.ID, encodeCommand(rsp)); err != nil {
			sendErr = err
			return err
		}
		if _, err := a.c.writeData(pc.ID, bytes.NewReader(b)); err != nil {
			sendErr = err
			return err
		}
		return nil
	}
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("dimse: find handler panicked", "panic", fmt.Sprint(r))
				err = errors.New("dimse: handler panic")
			}
		}()
		return h.ServeFind(ctx, req, match)
	}()
	if sendErr != nil {
		return sendErr
	}
	status := StatusSuccess
	var se *StatusError
	switch {
	case errors.Is(context.Cause(ctx), ErrCancel):
		status = StatusCancel
	case err == nil:
	case errors.As(err, &se):
		status = se.Code
	default:
		a.log.Debug("dimse: find handler failed", "calling", a.info.CallingAE, "err", err)
		status = StatusUnableToProcess
	}
	return a.c.writeCommand(pc.ID, encodeCommand(&command{Field: cFindRSP, RespondedTo: cmd.MessageID, Status: status, AffectedSOPClass: pc.AbstractSyntax}))
}

// cancelPollInterval spaces the checks for a C-CANCEL while a C-FIND is
// answered: each may wait up to a millisecond for input.
const cancelPollInterval = 20 * time.Millisecond

// pollCancel checks, without blocking more than a millisecond, whether
// the requester sent something while a C-FIND is answered: only a
// C-CANCEL-RQ for that message is allowed (PS3.7 9.3.2.3).
func (a *serverAssoc) pollCancel(msgID uint16) (bool, error) {
	if a.c.pduLeft == 0 && a.c.r.Buffered() == 0 {
		_ = a.c.nc.SetReadDeadline(time.Now().Add(time.Millisecond))
		_, err := a.c.r.Peek(1)
		if err != nil {
			if isTimeout(err) {
				return false, nil
			}
			return false, err
		}
	}
	_, cmd, err := a.c.readCommand(a.c.timeout)
	if err != nil {
		return false, err
	}
	if cmd.Field != cCancelRQ || cmd.RespondedTo != msgID {
		return false, fmt.Errorf("%w: command 0x%04x while a C-FIND is answered", ErrUnexpectedPDU, cmd.Field)
	}
	return true, nil
}

// Match applies the matching keys of a C-FIND identifier to ds (PS3.4
// C.2.2.2): universal (empty key), single value, wildcard (* and ?) for
// string values, UID lists, and date/time ranges ("20240101-20241231").
// It reports whether ds matches and returns the response identifier: the
// keys of query, filled from ds, with the Query/Retrieve Level and
// Specific Character Set kept. Sequence keys match universally. Values
// are compared as decoded text, case-sensitively except for PN, which is
// case-insensitive as most PACS do.
func Match(query, ds *dicomio.Dataset) (*dicomio.Dataset, bool) {
	out := dicomio.NewDataset()
	for _, q := range query.Elements() {
		switch q.Tag {
		case TagQueryRetrieveLevel, dicomio.TagSpecificCharacterSet:
			out.Set(q.Clone())
			continue
		}
		e := ds.Get(q.Tag)
		if q.VR == dicomio.NewVR("SQ") || len(q.Value) == 0 {
			if e != nil {
				out.Set(e.Clone())
			} else {
				out.Set(&dicomio.Element{Tag: q.Tag, VR: q.VR})
			}
			continue
		}
		if e == nil {
			return nil, false
		}
		if !matchValue(query, ds, q, e) {
			return nil, false
		}
		out.Set(e.Clone())
	}
	return out, true
}

func matchValue(query, ds *dicomio.Dataset, q, e *dicomio.Element) bool {
	keys, err := query.Strings(q.Tag)
	if err != nil || len(keys) == 0 {
		return false
	}
	vals, err := ds.Strings(e.Tag)
	if err != nil {
		return false
	}
	vr := q.VR.String()
	for _, v := range vals {
		for _, k := range keys {
			switch {
			case vr == "UI":
				if k == v {
					return true
				}
			case (vr == "DA" || vr == "TM" || vr == "DT") && strings.Contains(k, "-"):
				lo, hi, _ := strings.Cut(k, "-")
				if (lo == "" || v >= lo) && (hi == "" || v <= hi || strings.HasPrefix(v, hi)) {
					return true
				}
			case vr == "PN":
				if wildcard(strings.ToUpper(k), strings.ToUpper(v)) {
					return true
				}
			default:
				if wildcard(k, v) {
					return true
				}
			}
		}
	}
	return false
}

// wildcard matches s against pattern with * (any run) and ? (one
// character), iteratively so that a hostile pattern cannot recurse deep.
func wildcard(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
