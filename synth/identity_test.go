package synth

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

func TestValidNIR(t *testing.T) {
	good := []string{
		"255081416802538",       // the textbook example
		"2 55 08 14 168 025 38", // with spaces
		"180122A00412325",       // Corsica-du-Sud: 2A counts as 19
		"269052B03301753",       // Haute-Corse: 2B counts as 18
		"180122a00412325",       // lower-case département letter
	}
	for _, s := range good {
		if !ValidNIR(s) {
			t.Errorf("ValidNIR(%q) = false, want true", s)
		}
	}
	bad := []string{
		"255081416802539", // corrupted key
		"255081416802583", // swapped key digits
		"255081416812538", // corrupted body
		"180122A00412326", // Corsica, wrong key
		"180122B00412325", // 2A key with 2B
		"180121900412325", // 19 is not 2A for the check: key differs? (see below)
		"35508141680253",  // too short
		"955081416802538", // bad sex digit
		"255131416802538", // month 13
		"2550814168025A8", // letter in key
		"",
	}
	for _, s := range bad {
		if s == "180121900412325" {
			// 1801219004123 is the same number as the 2A form, so its key
			// is also 25: a valid NIR for département 19.
			if !ValidNIR(s) {
				t.Errorf("ValidNIR(%q) = false, want true (département 19)", s)
			}
			continue
		}
		if ValidNIR(s) {
			t.Errorf("ValidNIR(%q) = true, want false", s)
		}
	}
}

func TestValidRPPSFINESS(t *testing.T) {
	for _, s := range []string{"79927398713", "10003383410"} {
		if !ValidRPPS(s) {
			t.Errorf("ValidRPPS(%q) = false", s)
		}
	}
	for _, s := range []string{"79927398710", "10003383414", "7992739871", "1000338341A"} {
		if ValidRPPS(s) {
			t.Errorf("ValidRPPS(%q) = true", s)
		}
	}
	// Real FINESS numbers of public hospitals (AP-HP, AP-HM, HCL).
	for _, s := range []string{"750712184", "130786049", "690781810"} {
		if !ValidFINESS(s) {
			t.Errorf("ValidFINESS(%q) = false", s)
		}
	}
	for _, s := range []string{"750712185", "130786040", "75071218", "2A0000013"} {
		if ValidFINESS(s) {
			t.Errorf("ValidFINESS(%q) = true", s)
		}
	}
}

func TestGeneratedIdentities(t *testing.T) {
	at := time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)
	accents, compound, corsica, married := 0, 0, 0, 0
	for seed := uint64(0); seed < 400; seed++ {
		p := NewPatient(seed, PatientOptions{Sex: "F", MinAge: 50, MaxAge: 74, At: at})
		if p.Sex != "F" {
			t.Fatalf("seed %d: sex %q", seed, p.Sex)
		}
		if a := p.Age(at); a < 50 || a > 74 {
			t.Errorf("seed %d: age %d outside 50-74 (born %v)", seed, a, p.BirthDate)
		}
		if !ValidNIR(p.NIR) {
			t.Errorf("seed %d: invalid NIR %q", seed, p.NIR)
		}
		if p.NIR[0] != '2' || p.NIR[1:3] != p.BirthDate.Format("06") || p.NIR[3:5] != p.BirthDate.Format("01") {
			t.Errorf("seed %d: NIR %q does not match sex F and birth %v", seed, p.NIR, p.BirthDate)
		}
		if p.INS() != p.NIR {
			t.Errorf("INS %q != NIR %q", p.INS(), p.NIR)
		}
		if p.NIR[5:7] == "2A" || p.NIR[5:7] == "2B" {
			corsica++
		}
		if p.FamilyName != p.BirthName {
			married++
		}
		name := p.DICOMName()
		if _, err := charmap.ISO8859_1.NewEncoder().String(name + p.Address.String()); err != nil {
			t.Errorf("seed %d: %q not Latin-1: %v", seed, name, err)
		}
		if utf8.RuneCountInString(name) != len(name) {
			accents++
		}
		if strings.ContainsAny(name, "-'") {
			compound++
		}
		if p.Address.PostalCode[:2] != p.Address.Departement[:2] && p.Address.Departement != "2A" {
			t.Errorf("seed %d: postcode %s not in département %s", seed, p.Address.PostalCode, p.Address.Departement)
		}
		d := NewPhysician(seed)
		if !ValidRPPS(d.RPPS) {
			t.Errorf("seed %d: invalid RPPS %q", seed, d.RPPS)
		}
		inst := NewInstitution(seed, p.Address.Departement)
		if !ValidFINESS(inst.FINESS) || inst.FINESS[:2] != p.Address.Departement {
			t.Errorf("seed %d: FINESS %q for département %s", seed, inst.FINESS, p.Address.Departement)
		}
	}
	if accents < 100 || compound < 40 || corsica == 0 || married < 100 {
		t.Errorf("too little variety: %d accented, %d compound, %d Corsican, %d married names", accents, compound, corsica, married)
	}
	a, b := NewPatient(42, PatientOptions{}), NewPatient(42, PatientOptions{})
	if a.DICOMName() != b.DICOMName() || a.NIR != b.NIR || a.Phone != b.Phone {
		t.Error("same seed gave different patients")
	}
	if c := NewPatient(43, PatientOptions{}); c.NIR == a.NIR {
		t.Error("different seeds gave the same NIR")
	}
}

func TestValidUID(t *testing.T) {
	for _, s := range []string{"1.2.3", "2.25.0", "1.2.840.10008.5.1.4.1.1.2", SeedRoot(0), SeedRoot(1<<63 + 12345)} {
		if !ValidUID(s) {
			t.Errorf("ValidUID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "1..2", "1.02", ".1", "1.", "1.2a", strings.Repeat("1.", 32) + "1"} {
		if ValidUID(s) {
			t.Errorf("ValidUID(%q) = true", s)
		}
	}
	if SeedRoot(1) == SeedRoot(2) {
		t.Error("seed roots collide")
	}
}
