package dicomarchive

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// Identity reconciliation never touches stored bytes: an image's identity
// and dates must stay unmodifiable (teleradiology guide), and a hash-named
// blob cannot change anyway. The index holds the current identity;
// retrieval applies it (PS3.4's "coercion" of attributes) and keeps the
// received values in the Original Attributes Sequence of the delivered
// object.

// identityDiff names the attributes whose current value differs from the
// received one (an empty current value changes nothing).
func identityDiff(received, current Identity) []string {
	var out []string
	for _, f := range []struct {
		name   string
		rv, cv string
	}{
		{"PatientName", received.Name, current.Name},
		{"PatientID", received.PatientID, current.PatientID},
		{"IssuerOfPatientID", received.Issuer, current.Issuer},
		{"PatientBirthDate", received.BirthDate, current.BirthDate},
		{"PatientSex", received.Sex, current.Sex},
		{"INS", received.INS, current.INS},
	} {
		if f.cv != "" && f.cv != f.rv {
			out = append(out, f.name)
		}
	}
	return out
}

// coerceEdit returns a Rewrite edit that applies identity cur to a header
// and records the previous values in a new Original Attributes Sequence
// item (PS3.3 C.12.1.1.9): attributes that were absent are recorded with
// zero length.
func coerceEdit(cur Identity, now time.Time, system string) func(*dicomio.File) error {
	return func(f *dicomio.File) error {
		ds := f.Dataset
		mod := dicomio.NewDataset()
		keep := func(t dicomio.Tag, vr dicomio.VR) {
			if mod.Has(t) {
				return
			}
			if e := ds.Get(t); e != nil {
				mod.Set(e.Clone())
			} else {
				mod.Set(&dicomio.Element{Tag: t, VR: vr})
			}
		}
		setText := func(t dicomio.Tag, vr dicomio.VR, v string) error {
			if v == "" || ds.String(t) == v {
				return nil
			}
			keep(t, vr)
			err := ds.SetStrings(t, vr, v)
			if err != nil && !ds.Has(dicomio.TagSpecificCharacterSet) {
				// Default repertoire cannot hold an accented corrected
				// name; Latin-1 keeps the existing (ASCII or undeclared
				// Latin-1) bytes meaning what they meant.
				keep(dicomio.TagSpecificCharacterSet, dicomio.CS)
				if err := ds.SetStrings(dicomio.TagSpecificCharacterSet, dicomio.CS, "ISO_IR 100"); err != nil {
					return err
				}
				err = ds.SetStrings(t, vr, v)
			}
			if err != nil {
				return fmt.Errorf("dicomarchive: coercing %v: %w", t, err)
			}
			return nil
		}
		for _, s := range []struct {
			t  dicomio.Tag
			vr dicomio.VR
			v  string
		}{
			{dicomio.TagPatientName, dicomio.PN, cur.Name},
			{dicomio.TagPatientID, dicomio.LO, cur.PatientID},
			{tagIssuerOfPatientID, dicomio.LO, cur.Issuer},
			{tagPatientBirthDate, dicomio.DA, cur.BirthDate},
			{tagPatientSex, dicomio.CS, cur.Sex},
		} {
			if err := setText(s.t, s.vr, s.v); err != nil {
				return err
			}
		}
		if cur.INS != "" {
			it := insItem(ds)
			if it == nil || it.String(dicomio.TagPatientID) != cur.INS {
				keep(tagOtherPatientIDsSeq, dicomio.SQ)
				if it == nil {
					it = ds.AddItem(tagOtherPatientIDsSeq)
					it.MustSetStrings(tagIssuerOfPatientID, dicomio.LO, INSIssuer)
					q := it.AddItem(tagIssuerQualifiersSeq)
					q.MustSetStrings(tagUniversalEntityID, dicomio.UT, INSNIROID)
					q.MustSetStrings(tagUniversalEntityIDType, dicomio.CS, "ISO")
					it.MustSetStrings(tagTypeOfPatientID, dicomio.CS, "TEXT")
				}
				it.MustSetStrings(dicomio.TagPatientID, dicomio.LO, cur.INS)
			}
		}
		if mod.Len() == 0 {
			return nil
		}
		item := ds.AddItem(tagOriginalAttributesSeq)
		item.SetSequence(tagModifiedAttributesSeq, mod)
		item.MustSetStrings(tagAttributeModDateTime, dicomio.DT, now.UTC().Format("20060102150405.000000")+"+0000")
		item.MustSetStrings(tagModifyingSystem, dicomio.LO, system)
		item.MustSetStrings(tagSourceOfPreviousValues, dicomio.LO, "")
		item.MustSetStrings(tagReasonForModification, dicomio.CS, "COERCE")
		return nil
	}
}

func (a *Archive) identity() (IdentityIndex, error) {
	if a.c.Identity == nil {
		return nil, fmt.Errorf("%w: identity reconciliation", ErrUnsupported)
	}
	return a.c.Identity, nil
}

// Patient returns a patient record by key.
func (a *Archive) Patient(ctx context.Context, key int64) (Patient, error) {
	if err := a.enter(ctx); err != nil {
		return Patient{}, err
	}
	defer a.leave()
	p, err := a.patient(ctx, key)
	return p, a.done(ctx, ActionRead, patientObject(key), err, "patient")
}

func (a *Archive) patient(ctx context.Context, key int64) (Patient, error) {
	ii, err := a.identity()
	if err != nil {
		return Patient{}, err
	}
	return ii.Patient(ctx, key)
}

// FindPatient returns the patient that now owns a received (PatientID,
// Issuer of Patient ID), following merges.
func (a *Archive) FindPatient(ctx context.Context, patientID, issuer string) (Patient, error) {
	if err := a.enter(ctx); err != nil {
		return Patient{}, err
	}
	defer a.leave()
	ii, err := a.identity()
	var p Patient
	if err == nil {
		p, err = ii.FindPatient(ctx, patientID, issuer)
	}
	return p, a.done(ctx, ActionRead, "patient "+patientID, err, "find patient, issuer "+issuer)
}

func patientObject(key int64) string { return fmt.Sprintf("patient %d", key) }

// UpdatePatient applies an identity correction from the RIS (an HL7 ADT
// A08/A31 as IHE PAM sends it): the non-empty fields of id replace the
// current ones. An INS in id is validated first ([NormalizeNIR]). The
// audit entry records every changed field with its old and new value.
func (a *Archive) UpdatePatient(ctx context.Context, key int64, id Identity) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	detail, err := a.updatePatient(ctx, key, id)
	return a.done(ctx, ActionReconcile, patientObject(key), err, "update: "+detail)
}

func (a *Archive) updatePatient(ctx context.Context, key int64, id Identity) (string, error) {
	ii, err := a.identity()
	if err != nil {
		return "", err
	}
	if id.INS != "" {
		if id.INS, err = NormalizeNIR(id.INS); err != nil {
			return "", err
		}
	}
	old, err := ii.Patient(ctx, key)
	if err != nil {
		return "", err
	}
	var changes []string
	for _, f := range []struct{ name, o, n string }{
		{"PatientID", old.PatientID, id.PatientID}, {"Issuer", old.Issuer, id.Issuer},
		{"Name", old.Name, id.Name}, {"BirthDate", old.BirthDate, id.BirthDate},
		{"Sex", old.Sex, id.Sex}, {"INS", old.INS, id.INS},
	} {
		if f.n != "" && f.n != f.o {
			changes = append(changes, fmt.Sprintf("%s %q -> %q", f.name, f.o, f.n))
		}
	}
	return strings.Join(changes, ", "), ii.UpdatePatient(ctx, key, id)
}

// AttachINS attaches an INS (the NIR of an INS-NIR, checked with its key,
// Corsican départements 2A and 2B included) to a patient, as the INS
// teleservice returned it. An invalid NIR gives a [*NIRError] saying why.
func (a *Archive) AttachINS(ctx context.Context, key int64, ins string) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	detail, err := a.updatePatient(ctx, key, Identity{INS: ins})
	if err != nil && detail == "" {
		detail = "INS rejected"
	}
	return a.done(ctx, ActionReconcile, patientObject(key), err, "attach INS: "+detail)
}

// MergePatients merges patient from into patient into (IHE PAM / HL7 ADT
// A40): every study and every received identity of from goes to into,
// whose identity then applies to all of them on retrieval. from is kept,
// marked merged, for the trail.
func (a *Archive) MergePatients(ctx context.Context, from, into int64) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	ii, err := a.identity()
	if err == nil {
		err = ii.MergePatients(ctx, from, into)
	}
	return a.done(ctx, ActionReconcile, patientObject(from), err, fmt.Sprintf("merge into patient %d", into))
}

// MoveStudy attaches a study to another patient: the study-level
// reconciliation for an exam performed under the wrong identity.
func (a *Archive) MoveStudy(ctx context.Context, studyUID string, to int64) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	ii, err := a.identity()
	var from int64
	if err == nil {
		var st Study
		if st, err = a.c.Index.Study(ctx, studyUID); err == nil {
			from = st.Patient.Key
			err = ii.MoveStudy(ctx, studyUID, to)
		}
	}
	return a.done(ctx, ActionReconcile, studyUID, err, fmt.Sprintf("move from patient %d to patient %d", from, to))
}
