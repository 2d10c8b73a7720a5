package codec

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/radkit/radkit/dicomio"
)

// FrameInfo is the geometry of the frames of an image, from the Image
// Pixel module (PS3.3 C.7.6.3).
type FrameInfo struct {
	Rows, Columns             int
	SamplesPerPixel           int
	BitsAllocated, BitsStored int
	// PixelRepresentation is 0 for unsigned samples, 1 for two's
	// complement (CT).
	PixelRepresentation int
	// PlanarConfiguration is 0 for colour-by-pixel, 1 for colour-by-plane
	// (native layout only).
	PlanarConfiguration       int
	PhotometricInterpretation string
	NumberOfFrames            int
}

// FrameSize is the size in bytes of one native frame.
func (fi FrameInfo) FrameSize() int {
	return fi.Rows * fi.Columns * fi.SamplesPerPixel * (fi.BitsAllocated / 8)
}

// Sentinel errors.
var (
	// ErrUnsupportedImage means the image's geometry (bits allocated,
	// subsampled colour, 1-bit data) is outside what a codec handles.
	ErrUnsupportedImage = errors.New("codec: image geometry not supported by the codec")
	// ErrPixelMismatch means verification found decoded pixels that
	// differ from the source by more than allowed.
	ErrPixelMismatch = errors.New("codec: decoded pixels differ from the source")
)

// UnsupportedSyntaxError names a transfer syntax for which the registry
// has no codec in the direction asked (Op is "decode" or "encode").
type UnsupportedSyntaxError struct {
	UID  string
	Name string
	Op   string
}

func (e *UnsupportedSyntaxError) Error() string {
	name := e.Name
	if name == "" {
		name = "unknown transfer syntax"
	}
	return fmt.Sprintf("codec: cannot %s %s (%s): no codec registered", e.Op, name, e.UID)
}

// Decoder decodes one compressed frame to native pixel data appended to
// dst. DecodeFrame must be safe for concurrent use.
type Decoder interface {
	DecodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error)
}

// Encoder encodes one native frame and appends the compressed frame to
// dst. EncodeFrame must be safe for concurrent use.
type Encoder interface {
	EncodeFrame(fi FrameInfo, src, dst []byte) ([]byte, error)
}

// EncoderOptions are the parameters a registry passes to an encoder
// constructor.
type EncoderOptions struct {
	// Near is the JPEG-LS NEAR parameter (0 lossless).
	Near int
	// RestartInterval is the JPEG-LS restart interval in lines (0 none).
	RestartInterval int
	// Concurrency bounds the goroutines one frame may use (restart
	// intervals); 0 means 1, since frames already run in parallel.
	Concurrency int
}

// DecoderOptions are the parameters a registry passes to a decoder
// constructor.
type DecoderOptions struct {
	// Concurrency bounds the goroutines one frame may use (JPEG-LS
	// restart intervals); 0 means 1, since frames already run in
	// parallel.
	Concurrency int
}

// NewDecoderFunc makes a decoder; NewEncoderFunc an encoder for the
// given options. They are called once per transcoding.
type (
	NewDecoderFunc func(DecoderOptions) (Decoder, error)
	NewEncoderFunc func(EncoderOptions) (Encoder, error)
)

// Registry maps Transfer Syntax UIDs to codecs. It is safe for concurrent
// use; registration is meant for program start.
type Registry struct {
	mu  sync.RWMutex
	dec map[string]NewDecoderFunc
	enc map[string]NewEncoderFunc
}

// NewRegistry returns a registry holding radkit's codecs.
func NewRegistry() *Registry {
	r := &Registry{dec: map[string]NewDecoderFunc{}, enc: map[string]NewEncoderFunc{}}
	registerBuiltins(r)
	return r
}

// RegisterDecoder adds a decoder for uid. It panics if uid already has
// one, like archive/zip.RegisterDecompressor: two codecs for one syntax
// is a programming error that must not be resolved silently.
func (r *Registry) RegisterDecoder(uid string, fn NewDecoderFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.dec[uid]; dup {
		panic("codec: decoder already registered for " + uid)
	}
	r.dec[uid] = fn
}

// RegisterEncoder adds an encoder for uid; it panics on a duplicate.
func (r *Registry) RegisterEncoder(uid string, fn NewEncoderFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.enc[uid]; dup {
		panic("codec: encoder already registered for " + uid)
	}
	r.enc[uid] = fn
}

func syntaxName(uid string) string {
	ts, err := dicomio.LookupTransferSyntax(uid)
	if err != nil {
		return ""
	}
	return ts.Name
}

// NewDecoder returns a decoder for uid, or an [*UnsupportedSyntaxError].
func (r *Registry) NewDecoder(uid string, opts DecoderOptions) (Decoder, error) {
	r.mu.RLock()
	fn := r.dec[uid]
	r.mu.RUnlock()
	if fn == nil {
		return nil, &UnsupportedSyntaxError{UID: uid, Name: syntaxName(uid), Op: "decode"}
	}
	return fn(opts)
}

// NewEncoder returns an encoder for uid, or an [*UnsupportedSyntaxError].
func (r *Registry) NewEncoder(uid string, opts EncoderOptions) (Encoder, error) {
	r.mu.RLock()
	fn := r.enc[uid]
	r.mu.RUnlock()
	if fn == nil {
		return nil, &UnsupportedSyntaxError{UID: uid, Name: syntaxName(uid), Op: "encode"}
	}
	return fn(opts)
}

// CanDecode and CanEncode report whether uid has a codec.
func (r *Registry) CanDecode(uid string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.dec[uid] != nil
}

// CanEncode reports whether uid has an encoder.
func (r *Registry) CanEncode(uid string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.enc[uid] != nil
}

// Syntaxes lists the UIDs that have a decoder, sorted.
func (r *Registry) Syntaxes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.dec))
	for uid := range r.dec {
		out = append(out, uid)
	}
	sort.Strings(out)
	return out
}
