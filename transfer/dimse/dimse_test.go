package dimse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/radkit/radkit/dicomio"
)

func TestEchoZeroServer(t *testing.T) {
	addr := startServer(t, &Server{})
	ctx := testCtx(t)
	a, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Echo(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.Info().PeerImplementationClassUID; got != dicomio.ImplementationClassUID {
		t.Errorf("peer implementation class UID %q", got)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Echo(ctx); !errors.Is(err, ErrAssociationClosed) {
		t.Errorf("Echo after release: %v", err)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	paths := writeStudy(t, 3)
	for _, tc := range []struct {
		name, stored string
		accept       []string
		pdu          uint32
	}{
		{"same syntax", dicomio.ExplicitVRLittleEndian, nil, 0},
		{"implicit", dicomio.ImplicitVRLittleEndian, nil, 0},
		{"deflated", dicomio.DeflatedExplicitVRLittleEndian, nil, 0},
		{"converted", dicomio.ExplicitVRLittleEndian, []string{dicomio.ImplicitVRLittleEndian}, 0},
		{"small PDU", dicomio.ExplicitVRLittleEndian, nil, 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var files []string
			for _, p := range paths {
				files = append(files, convert(t, p, dir, tc.stored))
			}
			store := newMemStore()
			addr := startServer(t, &Server{Handler: store, TransferSyntaxes: tc.accept, MaxPDULength: tc.pdu})
			var progress int
			res, err := Send(testCtx(t), addr, files, &SendOptions{
				Dial:     DialOptions{MaxPDULength: tc.pdu},
				Progress: func(p Progress) { progress++ },
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stored != len(files) || progress != len(files) {
				t.Fatalf("stored %d, progress %d, want %d", res.Stored, progress, len(files))
			}
			for _, p := range files {
				want := readFile(t, p)
				in, _ := splitPart10(bytes.NewReader(want))
				got, ok := store.files[in.SOPInstance]
				if !ok {
					t.Fatalf("%s not received", p)
				}
				if tc.accept == nil {
					if !sameBody(t, got, want) {
						t.Errorf("%s: data set bytes differ", p)
					}
				} else if store.ts[in.SOPInstance] != tc.accept[0] {
					t.Errorf("received in %s", store.ts[in.SOPInstance])
				}
				if !sameValues(datasetOf(t, got), datasetOf(t, want)) {
					t.Errorf("%s: data sets differ", p)
				}
			}
		})
	}
}

func TestStoreStatus(t *testing.T) {
	paths := writeStudy(t, 1)
	h := HandlerFunc(func(ctx context.Context, req *StoreRequest) error {
		if _, ok := AssociationFromContext(ctx); !ok {
			return errors.New("no association in context")
		}
		if req.Association.CallingAE != "MODALITY" {
			return errors.New("calling AE")
		}
		// Read a little only: the server must drain the rest.
		_, _ = io.ReadFull(req.Body, make([]byte, 200))
		return &StatusError{Code: StatusCoercionOfElements}
	})
	addr := startServer(t, &Server{Handler: h})
	ctx := testCtx(t)
	a, err := Dial(ctx, addr, &DialOptions{CallingAE: "MODALITY", Proposals: []Proposal{{AbstractSyntax: ctImage, TransferSyntaxes: []string{dicomio.ExplicitVRLittleEndian}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	for range 2 {
		err := a.StoreFile(ctx, paths[0], nil)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != StatusCoercionOfElements || !errors.Is(err, ErrWarning) || errors.Is(err, ErrFailure) {
			t.Fatalf("got %v", err)
		}
	}
	// Verification was not proposed.
	if err := a.Echo(ctx); !errors.Is(err, ErrNoPresentationContext) {
		t.Errorf("Echo: %v", err)
	}
}

const ctImage = "1.2.840.10008.5.1.4.1.1.2"

func TestNegotiation(t *testing.T) {
	ctx := testCtx(t)
	addr := startServer(t, &Server{AETitle: "RADKIT-SCP", Handler: newMemStore(), SOPClasses: []string{ctImage}})
	_, err := Dial(ctx, addr, &DialOptions{CalledAE: "OTHER"})
	var rej *RejectError
	if !errors.As(err, &rej) || rej.Reason != 7 || !rej.Permanent() {
		t.Fatalf("wrong called AE: %v", err)
	}
	a, err := Dial(ctx, addr, &DialOptions{CalledAE: "RADKIT-SCP", Proposals: []Proposal{
		{AbstractSyntax: "1.2.840.10008.5.1.4.1.1.4", TransferSyntaxes: []string{dicomio.ImplicitVRLittleEndian}},
		{AbstractSyntax: ctImage, TransferSyntaxes: []string{"1.2.3.4"}},
		{AbstractSyntax: ctImage, TransferSyntaxes: []string{dicomio.ImplicitVRLittleEndian, dicomio.ExplicitVRLittleEndian}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	want := []PresentationContext{{ID: 5, AbstractSyntax: ctImage, TransferSyntax: dicomio.ExplicitVRLittleEndian}}
	if got := a.Contexts(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("contexts %+v, want %+v", got, want)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := testCtx(t)
	s := &Server{Authenticate: func(ctx context.Context, a *AssociationInfo) error {
		if a.User == nil || a.User.Username != "radiologue" || a.User.Password != "secret" {
			return errors.New("bad user")
		}
		return nil
	}}
	addr := startServer(t, s)
	_, err := Dial(ctx, addr, &DialOptions{User: &UserIdentity{Username: "radiologue", Password: "wrong"}})
	var rej *RejectError
	if !errors.As(err, &rej) {
		t.Fatalf("wrong password: %v", err)
	}
	a, err := Dial(ctx, addr, &DialOptions{User: &UserIdentity{Username: "radiologue", Password: "secret", PositiveResponseRequested: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Echo(ctx); err != nil {
		t.Fatal(err)
	}
	_ = a.Release(ctx)
}

func TestMaxAssociations(t *testing.T) {
	ctx := testCtx(t)
	addr := startServer(t, &Server{MaxAssociations: 1})
	a, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Dial(ctx, addr, nil)
	var rej *RejectError
	if !errors.As(err, &rej) || rej.Permanent() {
		t.Fatalf("second association: %v", err)
	}
	_ = a.Release(ctx)
}

// sameValues compares data sets element by element, ignoring the VR of
// private elements, which implicit VR cannot carry (they read back as UN).
func sameValues(a, b *dicomio.Dataset) bool {
	if a.Len() != b.Len() {
		return false
	}
	for _, e := range a.Elements() {
		o := b.Get(e.Tag)
		if o == nil {
			return false
		}
		if e.Tag>>16%2 == 1 && e.VR != o.VR {
			o = o.Clone()
			o.VR = e.VR
		}
		if !e.Equal(o) {
			return false
		}
	}
	return true
}

// sameBody compares the data set bytes of two Part 10 streams, allowing
// the NUL byte that pads an odd deflated stream (PS3.5 A.5).
func sameBody(t testing.TB, got, want []byte) bool {
	g, w := bodyOf(t, got), bodyOf(t, want)
	if len(w)%2 == 1 {
		w = append(w, 0)
	}
	return bytes.Equal(g, w)
}

func TestDirHandler(t *testing.T) {
	paths := writeStudy(t, 2)
	out := t.TempDir()
	addr := startServer(t, &Server{Handler: DirHandler(out)})
	if _, err := Send(testCtx(t), addr, paths, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		want := readFile(t, p)
		in, _ := splitPart10(bytes.NewReader(want))
		got := readFile(t, filepath.Join(out, in.SOPInstance+".dcm"))
		if !sameBody(t, got, want) {
			t.Errorf("%s differs", p)
		}
	}
	for _, uid := range []string{"../x", "1..2", "", ".1", "1.2.", "1.2a"} {
		if validUID(uid) {
			t.Errorf("%q accepted", uid)
		}
	}
}

// TestStreamingMemory checks that neither side holds an instance whole:
// a 64 MiB object goes from Send to a Server in the same process.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB file")
	}
	const size = 64 << 20
	ds := dicomio.NewDataset()
	ds.MustSetStrings(dicomio.TagSOPClassUID, dicomio.UI, ctImage)
	ds.MustSetStrings(dicomio.TagSOPInstanceUID, dicomio.UI, "1.2.3.4")
	ds.SetBytes(dicomio.TagPixelData, dicomio.OW, make([]byte, size))
	f, _ := dicomio.NewFile(ds, dicomio.ExplicitVRLittleEndian)
	path := filepath.Join(t.TempDir(), "big.dcm")
	if err := dicomio.WriteFile(path, f, nil); err != nil {
		t.Fatal(err)
	}
	ds, f = nil, nil
	var got int64
	addr := startServer(t, &Server{Handler: HandlerFunc(func(ctx context.Context, req *StoreRequest) error {
		n, err := io.Copy(io.Discard, req.Body)
		got = n
		return err
	})})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := Send(testCtx(t), addr, []string{path}, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got < size {
		t.Fatalf("received %d bytes", got)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KiB to move %d MiB", alloc>>10, size>>20)
	if alloc > size/8 {
		t.Errorf("allocated %d bytes for a %d-byte instance: something buffers it", alloc, size)
	}
}

func TestDialValidation(t *testing.T) {
	ctx := testCtx(t)
	for _, o := range []*DialOptions{
		{CalledAE: "A-VERY-LONG-AE-TITLE"},
		{Proposals: []Proposal{{AbstractSyntax: ctImage}}},
		{Proposals: []Proposal{{AbstractSyntax: "", TransferSyntaxes: []string{dicomio.ImplicitVRLittleEndian}}}},
		{Proposals: make([]Proposal, 129)},
	} {
		if _, err := Dial(ctx, "127.0.0.1:1", o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
