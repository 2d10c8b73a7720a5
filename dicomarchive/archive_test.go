package dicomarchive_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

func TestStoreOpenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	objs := study(t, synth.CT, 1, 5, nil)
	for _, o := range objs {
		res, err := a.Store(ctx(), bytes.NewReader(o.data), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate || res.Instance.SOPInstanceUID != o.sop || res.Instance.Size != int64(len(o.data)) {
			t.Fatalf("store result %+v", res)
		}
	}
	for _, o := range objs {
		got, obj := readAll(t, a, o.sop, nil)
		if !bytes.Equal(got, o.data) {
			t.Fatalf("%s: bytes differ after round trip", o.sop)
		}
		if len(obj.Coerced) != 0 {
			t.Fatalf("unexpected coercion %v", obj.Coerced)
		}
	}
	// The blob path is derived from the content only.
	for _, p := range files(t, filepath.Join(dir, "blobs")) {
		for _, o := range objs {
			if strings.Contains(p, o.sop) {
				t.Fatalf("blob path %s contains a UID", p)
			}
		}
	}
	st, err := a.Study(ctx(), objs[0].study)
	if err != nil {
		t.Fatal(err)
	}
	if st.NumInstances != 5 || st.NumSeries != 1 || len(st.Modalities) != 1 || st.Modalities[0] != "CT" {
		t.Fatalf("study %+v", st)
	}
	se, err := a.Series(ctx(), objs[0].series)
	if err != nil || se.NumInstances != 5 || se.Modality != "CT" {
		t.Fatalf("series %+v %v", se, err)
	}
	in, err := a.Instance(ctx(), objs[2].sop)
	if err != nil || in.StudyInstanceUID != objs[0].study || in.TransferSyntaxUID != dicomio.ExplicitVRLittleEndian || in.StoredBy != "dr.test" {
		t.Fatalf("instance %+v %v", in, err)
	}
	hdr, err := a.Header(ctx(), objs[2].sop)
	if err != nil || hdr.Dataset.String(dicomio.TagSOPInstanceUID) != objs[2].sop {
		t.Fatalf("header: %v", err)
	}
	n := 0
	err = a.OpenSeries(ctx(), objs[0].series, nil, func(o *dicomarchive.Object) error {
		n++
		return nil
	})
	if err != nil || n != 5 {
		t.Fatalf("OpenSeries: %d, %v", n, err)
	}
	if _, err := a.Open(ctx(), "1.2.3.4", nil); !errors.Is(err, dicomarchive.ErrNotFound) {
		t.Fatalf("open missing: %v", err)
	}
}

func TestStoreIdempotentAndConflict(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	objs := study(t, synth.CT, 2, 2, nil)
	storeAll(t, a, objs)
	res, err := a.Store(ctx(), bytes.NewReader(objs[0].data), nil)
	if err != nil || !res.Duplicate {
		t.Fatalf("resend: %+v, %v", res, err)
	}
	blobsBefore := len(files(t, filepath.Join(dir, "blobs")))

	// Same SOP Instance UID, different content.
	other := study(t, synth.CT, 2, 2, func(f *dicomio.File) {
		f.Dataset.MustSetStrings(dicomio.NewTag(0x0008, 0x103E), dicomio.LO, "altered")
	})
	_, err = a.Store(ctx(), bytes.NewReader(other[0].data), nil)
	var ce *dicomarchive.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, dicomarchive.ErrConflict) || ce.SOPInstanceUID != objs[0].sop {
		t.Fatalf("conflict: %v", err)
	}
	got, _ := readAll(t, a, objs[0].sop, nil)
	if !bytes.Equal(got, objs[0].data) {
		t.Fatal("stored object was overwritten")
	}
	cs, err := a.Conflicts(ctx(), objs[0].sop)
	if err != nil || len(cs) != 1 || cs[0].Stored != ce.Stored || cs[0].Offered != ce.Offered || cs[0].Principal != "dr.test" {
		t.Fatalf("conflicts %+v, %v", cs, err)
	}
	if n := len(files(t, filepath.Join(dir, "blobs"))); n != blobsBefore {
		t.Fatalf("refused object left files: %d -> %d", blobsBefore, n)
	}
}

func TestStoreRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	a := openArchive(t, dir, nil)
	good := study(t, synth.CT, 3, 1, nil)[0].data
	noUID := study(t, synth.CT, 3, 1, func(f *dicomio.File) { f.Dataset.Delete(dicomio.TagStudyInstanceUID) })[0].data
	badUID := study(t, synth.CT, 3, 1, func(f *dicomio.File) {
		f.Dataset.MustSetStrings(dicomio.TagSeriesInstanceUID, dicomio.UI, "1.2.03.x")
	})[0].data
	for name, in := range map[string][]byte{
		"empty":      nil,
		"text":       []byte("hello, this is not DICOM at all, not even close to it............................................................................................................"),
		"truncated":  good[:len(good)/2],
		"header":     good[:200],
		"no study":   noUID,
		"bad series": badUID,
	} {
		_, err := a.Store(ctx(), bytes.NewReader(in), nil)
		var ie *dicomarchive.InvalidObjectError
		if !errors.As(err, &ie) || !errors.Is(err, dicomarchive.ErrInvalidObject) {
			t.Errorf("%s: got %v, want an InvalidObjectError", name, err)
		}
	}
	if f := files(t, filepath.Join(dir, "blobs")); len(f) != 0 {
		t.Fatalf("refused input left files: %v", f)
	}
	p, err := a.QueryInstances(ctx(), nil)
	if err != nil || len(p.Items) != 0 {
		t.Fatalf("index rows after refused input: %v %v", p.Items, err)
	}
}
