package dicomio

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
)

// Cross-writer test: dcmtk's dcmconv re-encodes a file radkit wrote into
// every transfer syntax and length form it has (including explicit big
// endian and deflated, which it writes independently of us), and radkit
// reads each back to the same data set.
func TestReadsDcmtkEncodings(t *testing.T) {
	dcmconv := testutil.RequireTool(t, "dcmconv")
	dir := t.TempDir()
	ds := sampleDataset(t, "ISO_IR 100")
	// A binary VR whose bytes end in NUL and space exercises swapping and
	// trimming in big endian.
	ds.SetBytes(NewTag(0x0064, 0x0009), OF, []byte{0, 0, 0x80, 0x3f, 0x20, 0, 0, 0})
	src := filepath.Join(dir, "src.dcm")
	if err := WriteFile(src, newTestFile(t, ds, ExplicitVRLittleEndian), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		uid  string
	}{
		{"implicit", []string{"+ti"}, ImplicitVRLittleEndian},
		{"explicit-undefined-lengths", []string{"+te", "-e"}, ExplicitVRLittleEndian},
		{"big-endian", []string{"+tb"}, ExplicitVRBigEndian},
		{"deflated", []string{"+td"}, DeflatedExplicitVRLittleEndian},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := filepath.Join(dir, c.name+".dcm")
			args := append(append([]string{}, c.args...), src, dst)
			if out, err := exec.Command(dcmconv, args...).CombinedOutput(); err != nil {
				t.Fatalf("dcmconv %v: %v\n%s", args, err, out)
			}
			f, err := ReadFile(dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.TransferSyntax.UID != c.uid {
				t.Errorf("transfer syntax %s, want %s", f.TransferSyntax.UID, c.uid)
			}
			want := ds
			if c.uid == ImplicitVRLittleEndian {
				// Implicit VR cannot carry a private element's VR.
				want = ds.Clone()
				want.Get(NewTag(0x0029, 0x1010)).VR = UN
			}
			if !sameIgnoringGroupLengths(f.Dataset, want) {
				t.Error("data set read from dcmtk's encoding differs")
				f.Dataset.Walk(func(p []Tag, e *Element) error {
					if w := want.Get(e.Tag); len(p) == 0 && (w == nil || !w.Equal(e)) {
						t.Errorf("%v %v differs: %x", e.Tag, e.VR, e.Value)
					}
					return nil
				})
			}
		})
	}
}
