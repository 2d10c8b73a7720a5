package synth

import (
	"fmt"
	"time"
)

// Options controls a generated study. The zero value is a complete,
// deterministic configuration: seed 0, the modality's real image size and
// slice count, a generated French patient, UIDs under a root derived from
// the seed, ISO_IR 100 text and a study date derived from the seed. Nothing
// depends on the clock or the environment, so that the same Options always
// give the same bytes.
type Options struct {
	// Seed selects the study: the same seed (and other options) gives
	// the same bytes, a different seed a different patient, dates, UIDs
	// and pixels.
	Seed uint64

	// Slices is the number of CT or MR slices (one object each) or of
	// tomosynthesis frames (per object). 0 means the default: CT 600,
	// MR 30, DBT 50. It is ignored by the other kinds.
	Slices int

	// Patient is the patient of the study; nil generates one from Seed
	// (a woman of screening age, 50 to 74, for MG, DBT and SR).
	Patient *Patient

	// UIDRoot is the organisation root under which every UID is made.
	// "" means "2.25.<decimal>", a UUID-derived root (PS3.5 B.2) computed
	// from Seed. A custom root gets a seed-derived component appended so
	// that two seeds never collide; it must be a valid UID of at most
	// [MaxUIDRootLen] characters.
	UIDRoot string

	// CharacterSet is the Specific Character Set (0008,0005): "" or
	// "ISO_IR 100" (Latin-1, what most French PACS expect) or
	// "ISO_IR 192" (UTF-8).
	CharacterSet string

	// StudyDate is the date and time the study starts; the zero value
	// derives one from Seed (a weekday between 2019 and 2025, office
	// hours). Only its wall-clock fields are used, in its own location.
	StudyDate time.Time

	// Rows and Columns override the modality's image size, to keep tests
	// fast. 0 means the modality's default (CT 512×512, MR 256×256,
	// CR/DX 2500×2048, MG and DBT 4096×3328, US 480×640, SC 768×1024).
	// Sizes are rounded up to even numbers and must be at least 64.
	Rows, Columns int
}

// MaxUIDRootLen is the longest custom [Options.UIDRoot] accepted: the rest
// of the 64 characters of a UID holds the seed, kind, type and index
// components.
const MaxUIDRootLen = 30

// Character sets accepted in [Options.CharacterSet].
const (
	Latin1 = "ISO_IR 100"
	UTF8   = "ISO_IR 192"
)

// resolved holds the defaults applied to Options for one kind.
type resolved struct {
	Options
	kind    Kind
	uids    uidGen
	start   time.Time // study date and time
	pat     *Patient
	staff   staff
	charset string
}

func (o Options) resolve(kind Kind) (*resolved, error) {
	if !kind.valid() {
		return nil, fmt.Errorf("synth: unknown kind %q", kind)
	}
	r := &resolved{Options: o, kind: kind}
	switch o.CharacterSet {
	case "", Latin1:
		r.charset = Latin1
	case UTF8:
		r.charset = UTF8
	default:
		return nil, fmt.Errorf("synth: unsupported character set %q (want %q or %q)", o.CharacterSet, Latin1, UTF8)
	}
	if o.Slices < 0 || o.Slices > 10000 {
		return nil, fmt.Errorf("synth: Slices %d outside 0-10000", o.Slices)
	}
	if o.Rows < 0 || o.Columns < 0 || (o.Rows > 0 && o.Rows < 64) || (o.Columns > 0 && o.Columns < 64) {
		return nil, fmt.Errorf("synth: image size %d×%d: rows and columns must be 0 or at least 64", o.Rows, o.Columns)
	}
	if o.Rows > 1<<15 || o.Columns > 1<<15 {
		return nil, fmt.Errorf("synth: image size %d×%d too large", o.Rows, o.Columns)
	}
	uids, err := newUIDGen(o.UIDRoot, o.Seed, kind)
	if err != nil {
		return nil, err
	}
	r.uids = uids
	r.start = o.StudyDate
	if r.start.IsZero() {
		r.start = studyDateFromSeed(o.Seed)
	}
	r.pat = o.Patient
	if r.pat == nil {
		po := PatientOptions{At: r.start}
		if kind == MG || kind == DBT || kind == SR {
			// The organised screening programme's population.
			po = PatientOptions{Sex: "F", MinAge: 50, MaxAge: 74, At: r.start}
		}
		p := NewPatient(o.Seed, po)
		r.pat = &p
	}
	if err := r.pat.validate(); err != nil {
		return nil, err
	}
	r.staff = newStaff(o.Seed, r.pat)
	return r, nil
}

// size returns the image size for a modality default.
func (r *resolved) size(defRows, defCols int) (rows, cols int) {
	rows, cols = defRows, defCols
	if r.Rows > 0 {
		rows = r.Rows
	}
	if r.Columns > 0 {
		cols = r.Columns
	}
	return rows + rows%2, cols + cols%2
}

func (r *resolved) slices(def int) int {
	if r.Slices > 0 {
		return r.Slices
	}
	return def
}

// studyDateFromSeed picks a weekday between 2019 and 2025 at office hours,
// in UTC so that the wall clock is the same everywhere.
func studyDateFromSeed(seed uint64) time.Time {
	rng := newRand(seed, "study-date")
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	d := base.AddDate(0, 0, rng.IntN(7*365))
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	min := 8*60 + rng.IntN(10*60)
	return d.Add(time.Duration(min)*time.Minute + time.Duration(rng.IntN(60))*time.Second)
}
