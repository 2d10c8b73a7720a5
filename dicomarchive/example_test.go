package dicomarchive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/synth"
)

// An archive in a directory: store a study, find it by an accent-free
// patient name, read an image back.
func Example() {
	dir, _ := os.MkdirTemp("", "archive")
	defer os.RemoveAll(dir)
	ctx := dicomarchive.WithPrincipal(context.Background(), "dr.martin")

	a, err := dicomarchive.Open(ctx, dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	// A synthetic 3-slice CT study; in real use, files from a modality.
	err = synth.Study(ctx, synth.CT, synth.Options{Seed: 1, Slices: 3, Rows: 64, Columns: 64}, func(f *dicomio.File) error {
		f.Dataset.SetStrings(dicomio.TagPatientName, dicomio.PN, "LEFÈVRE^Hélène")
		var buf bytes.Buffer
		if err := f.Write(&buf, nil); err != nil {
			return err
		}
		_, err := a.Store(ctx, &buf, nil)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	page, err := a.QueryStudies(ctx, &dicomarchive.Query{PatientName: "lefevre*", Modality: "CT"})
	if err != nil {
		log.Fatal(err)
	}
	st := page.Items[0]
	fmt.Println(st.Patient.Name, st.Modalities, st.NumInstances, "instances")

	obj, err := a.Open(ctx, firstInstance(ctx, a, st.StudyInstanceUID), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer obj.Close()
	n, err := io.Copy(io.Discard, obj) // verified against its SHA-256 as it is read
	fmt.Println(n == obj.Instance.Size, err)
	// Output:
	// LEFÈVRE^Hélène [CT] 3 instances
	// true <nil>
}

func firstInstance(ctx context.Context, a *dicomarchive.Archive, study string) string {
	p, err := a.QueryInstances(ctx, &dicomarchive.Query{StudyInstanceUID: study, Limit: 1})
	if err != nil {
		log.Fatal(err)
	}
	return p.Items[0].SOPInstanceUID
}

// A NIR is checked with its key; Corsican départements count as 19 (2A)
// and 18 (2B).
func ExampleNormalizeNIR() {
	fmt.Println(dicomarchive.NormalizeNIR("1 85 05 2A 123 456 33"))
	_, err := dicomarchive.NormalizeNIR("1 85 05 2A 123 456 34")
	fmt.Println(err)
	// Output:
	// 185052A12345633 <nil>
	// dicomarchive: invalid NIR "1 85 05 2A 123 456 34": key 34 does not match the number (expected 33)
}

// The audit trail records who did what; VerifyAudit checks its chain.
func ExampleArchive_VerifyAudit() {
	dir, _ := os.MkdirTemp("", "archive")
	defer os.RemoveAll(dir)
	ctx := dicomarchive.WithPrincipal(context.Background(), "secretariat")
	a, err := dicomarchive.Open(ctx, dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	a.QueryStudies(ctx, &dicomarchive.Query{PatientID: "IPP42"})
	a.AuditEntries(ctx, 1, func(e dicomarchive.AuditEntry) error {
		fmt.Println(e.Seq, e.Principal, e.Action, e.Object, e.Outcome)
		return nil
	})
	rep, err := a.VerifyAudit(ctx, nil)
	fmt.Println(rep.Entries, err)
	// Output:
	// 1 secretariat query studies ok
	// 2 <nil>
}

// Retention terms for a study under a hospital policy with a longer term
// for mammography.
func ExamplePolicy_Terms() {
	p := dicomarchive.Policy{Rules: []dicomarchive.PolicyRule{{Modality: "MG", RetentionYears: 30}}}
	st := dicomarchive.Study{StudyDate: "20240115", Modalities: []string{"MG"}}
	imm, ret := p.Terms(&st)
	fmt.Println(imm, ret, p.ImmediateUntil(&st).Format("2006-01-02"), p.ExpiresAt(&st).Format("2006-01-02"))
	// Output: 3 30 2027-01-15 2054-01-15
}
