package dimse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// SendOptions configure [Send]. The zero value dials with the defaults of
// [DialOptions], retries each instance twice and reports nothing.
type SendOptions struct {
	// Dial configures the association. Its Proposals are ignored: Send
	// proposes one context per SOP class and stored transfer syntax
	// found in the files, plus one per SOP class with explicit and
	// implicit VR little endian for native ones to fall back on.
	Dial DialOptions
	// Store is passed to every C-STORE.
	Store StoreOptions
	// Retries is how many more times an instance is tried after a
	// transient failure (a 0xA7xx status, a lost or aborted
	// association, which is then re-established). Default 2; negative
	// means no retry.
	Retries int
	// RetryDelay is the wait before the first retry, doubled for each
	// next one. Default 500ms.
	RetryDelay time.Duration
	// Progress, when set, is called after each instance, from Send's
	// goroutine.
	Progress func(Progress)
}

// Progress reports one instance handled by [Send].
type Progress struct {
	// Done counts instances handled so far (this one included), of
	// Total.
	Done, Total int
	// Path is the file; Bytes its size.
	Path  string
	Bytes int64
	// Err is nil when stored with success, a *StatusError matching
	// ErrWarning when stored with a warning, else why it was not stored.
	Err error
}

// SendResult sums up a [Send].
type SendResult struct {
	// Stored counts instances the peer accepted (warnings included).
	Stored int
	// Warnings counts instances stored with a warning status.
	Warnings int
	// Failed lists the files not stored and why.
	Failed []FileError
	// Bytes is the size of the stored files.
	Bytes int64
}

// FileError is a file [Send] could not store.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

type sendFile struct {
	path         string
	sopClass, ts string
	size         int64
	err          error
}

// Send stores the Part 10 files at paths on the SCP at addr over one
// association (re-established if lost). It returns an error wrapping the
// first failure when any file was not stored; the result says which. A
// rejected association stops it at once.
func Send(ctx context.Context, addr string, paths []string, opts *SendOptions) (*SendResult, error) {
	var o SendOptions
	if opts != nil {
		o = *opts
	}
	if o.Retries == 0 {
		o.Retries = 2
	}
	o.Retries = max(o.Retries, 0)
	o.RetryDelay = orDefault(o.RetryDelay, 500*time.Millisecond)
	files := make([]sendFile, len(paths))
	type key struct{ class, ts string }
	var keys []key
	for i, p := range paths {
		files[i] = readSendFile(p)
		if files[i].err == nil {
			k := key{files[i].sopClass, files[i].ts}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	dial := o.Dial
	dial.Proposals = nil
	// One context per stored syntax, so that the acceptor cannot prefer
	// another and force a conversion, then one per SOP class with the
	// native syntaxes as a fallback (dcmtk's storescu does the same), for
	// native instances and compressed ones radkit's codecs decode.
	var fallback []string
	for _, k := range keys {
		dial.Proposals = append(dial.Proposals, Proposal{AbstractSyntax: k.class, TransferSyntaxes: []string{k.ts}})
		if (native(k.ts) || canDecode(k.ts)) && !slices.Contains(fallback, k.class) {
			fallback = append(fallback, k.class)
		}
	}
	for _, c := range fallback {
		dial.Proposals = append(dial.Proposals, Proposal{AbstractSyntax: c, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian, dicomio.ImplicitVRLittleEndian}})
	}
	if len(dial.Proposals) > maxPresentationContexts {
		return nil, fmt.Errorf("%w: the files need %d presentation contexts, at most %d fit an association", ErrLimit, len(dial.Proposals), maxPresentationContexts)
	}
	res := &SendResult{}
	var assoc *Association
	defer func() {
		if assoc != nil {
			_ = assoc.Release(context.WithoutCancel(ctx))
		}
	}()
	for i, f := range files {
		err := f.err
		var dialErr bool
		if err == nil {
			dialErr, err = sendOne(ctx, addr, &dial, &o, &assoc, f.path)
		}
		var rej *RejectError
		if errors.As(err, &rej) || ctx.Err() != nil || dialErr {
			// No association can be had: the other files would fail
			// the same way, each after its retries.
			res.Failed = append(res.Failed, FileError{Path: f.path, Err: err})
			return res, fmt.Errorf("dimse: cannot associate with %s, %d of %d instances stored: %w", addr, res.Stored, len(files), err)
		}
		switch {
		case err == nil || errors.Is(err, ErrWarning):
			res.Stored++
			res.Bytes += f.size
			if err != nil {
				res.Warnings++
			}
		default:
			res.Failed = append(res.Failed, FileError{Path: f.path, Err: err})
		}
		if o.Progress != nil {
			o.Progress(Progress{Done: i + 1, Total: len(files), Path: f.path, Bytes: f.size, Err: err})
		}
	}
	if len(res.Failed) > 0 {
		return res, fmt.Errorf("dimse: %d of %d instances not stored, first: %w", len(res.Failed), len(files), &res.Failed[0])
	}
	return res, nil
}

func readSendFile(path string) sendFile {
	sf := sendFile{path: path}
	f, err := os.Open(path)
	if err != nil {
		sf.err = err
		return sf
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		sf.size = st.Size()
	}
	in, err := splitPart10(f)
	if err != nil {
		sf.err = err
		return sf
	}
	sf.sopClass, sf.ts = in.SOPClass, in.TransferSyntax
	return sf
}

// transient reports whether trying the same instance again may succeed.
func transient(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code&0xFF00 == 0xA700
	}
	var ae *AbortError
	var pe *os.PathError
	return errors.As(err, &ae) || errors.Is(err, ErrAssociationClosed) || !(errors.As(err, &pe) || errors.Is(err, ErrNoPresentationContext) || errors.Is(err, dicomio.ErrNotDICOM))
}

// sendOne stores one file with retries. dialErr reports that the last
// attempt failed to associate.
func sendOne(ctx context.Context, addr string, dial *DialOptions, o *SendOptions, assoc **Association, path string) (dialErr bool, err error) {
	delay := o.RetryDelay
	for attempt := 0; attempt <= o.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return false, ctx.Err()
			case <-t.C:
			}
			delay *= 2
		}
		if *assoc == nil {
			*assoc, err = Dial(ctx, addr, dial)
			if err != nil {
				*assoc = nil
				dialErr = true
				var rej *RejectError
				if errors.As(err, &rej) && rej.Permanent() {
					return true, err
				}
				continue
			}
		}
		dialErr = false
		err = (*assoc).StoreFile(ctx, path, &o.Store)
		if err == nil || !transient(err) {
			return false, err
		}
		if (*assoc).broken() { // the association is gone: re-dial
			*assoc = nil
		}
	}
	return dialErr, err
}
