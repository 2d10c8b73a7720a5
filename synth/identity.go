package synth

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// INSNIROID is the OID that qualifies an INS whose matricule is the NIR
// (Identifiant National de Santé, INS-NIR), the Universal Entity ID of the
// issuer in the Other Patient IDs Sequence.
const INSNIROID = "1.2.250.1.213.1.4.8"

// INSIssuer is the Issuer of Patient ID written with an INS-NIR.
const INSIssuer = "ASIP-SANTE-INS-NIR"

// Patient is a synthetic French patient. All of it is made up from a seed,
// but each field has the shape of the real thing (a NIR with a valid key, a
// birth name differing from the used name, accented given names), because
// de-identification and matching code must be tested on realistic data.
//
// Patient values are not real personal data, but they are shaped like it:
// LogValue redacts them so that logs written by code under test look the
// same as in production.
type Patient struct {
	// Sex is "F" or "M" (Patient's Sex).
	Sex string
	// FamilyName is the used name (nom d'usage), e.g. a married name.
	FamilyName string
	// BirthName is the birth name (nom de naissance); equal to
	// FamilyName when no other name is used.
	BirthName string
	// GivenNames are the given names (prénoms) in civil-register order;
	// the first is the one in use.
	GivenNames []string
	// BirthDate is the date of birth (midnight UTC).
	BirthDate time.Time
	// NIR is the 15-character social security number (13 characters and a
	// two-digit key), the matricule of the INS.
	NIR string
	// IPP is the local patient identifier (identifiant permanent du
	// patient) of the imaging institution, the DICOM Patient ID.
	IPP string
	// Address is where the patient lives.
	Address Address
	// Phone is a French telephone number, "06 12 34 56 78".
	Phone string
}

// Address is a French postal address.
type Address struct {
	Street     string // "12 rue Victor-Hugo"
	PostalCode string // "69003"
	City       string // "Lyon"
	// Departement is the département code ("69", "2A", "971").
	Departement string
}

// String formats the address on one line, as DICOM Patient's Address holds it.
func (a Address) String() string {
	return a.Street + ", " + a.PostalCode + " " + a.City
}

// PatientOptions constrains [NewPatient]. The zero value picks the sex at
// random and an adult age (18 to 90) at 2024-01-01.
type PatientOptions struct {
	// Sex is "F", "M" or "" (random).
	Sex string
	// MinAge and MaxAge bound the age in years at At; 0 means 18 and 90.
	MinAge, MaxAge int
	// At is the date the age is computed at; zero means 2024-01-01.
	At time.Time
}

// NewPatient generates a patient from a seed. The same seed and options
// always give the same patient.
func NewPatient(seed uint64, o PatientOptions) Patient {
	rng := newRand(seed, "patient")
	var p Patient
	switch o.Sex {
	case "F", "M":
		p.Sex = o.Sex
	default:
		p.Sex = pick(rng, []string{"F", "M"})
	}
	minAge, maxAge := o.MinAge, o.MaxAge
	if minAge <= 0 {
		minAge = 18
	}
	if maxAge <= 0 {
		maxAge = 90
	}
	if maxAge < minAge {
		maxAge = minAge
	}
	at := o.At
	if at.IsZero() {
		at = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// Born between (at - maxAge - 1 year + 1 day) and (at - minAge years).
	latest := time.Date(at.Year()-minAge, at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	earliest := time.Date(at.Year()-maxAge-1, at.Month(), at.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	days := int(latest.Sub(earliest).Hours() / 24)
	p.BirthDate = earliest.AddDate(0, 0, rng.IntN(days+1))

	given := maleGiven
	if p.Sex == "F" {
		given = femaleGiven
	}
	p.GivenNames = []string{pick(rng, given)}
	for n := rng.IntN(3); n > 0; n-- {
		g := pick(rng, given)
		if !containsFold(p.GivenNames, g) {
			p.GivenNames = append(p.GivenNames, g)
		}
	}
	p.BirthName = familyName(rng)
	p.FamilyName = p.BirthName
	if p.Sex == "F" && rng.IntN(10) < 6 {
		// A married name; sometimes the double "usage" form.
		spouse := familyName(rng)
		if rng.IntN(3) == 0 && !strings.Contains(p.BirthName, "-") {
			spouse = p.BirthName + "-" + spouse
		}
		p.FamilyName = spouse
	}

	// Place of birth for the NIR: mostly mainland, sometimes Corsica,
	// overseas or abroad.
	var dept, commune string
	switch r := rng.IntN(20); {
	case r < 2:
		dept, commune = "99", pick(rng, foreignBirth)
	case r < 6:
		c := birthPlaces[len(residenceCities)+rng.IntN(len(birthPlaces)-len(residenceCities))]
		dept, commune = c.insee[:2], c.insee[2:]
	default:
		c := pick(rng, residenceCities)
		dept, commune = c.insee[:2], c.insee[2:]
	}
	sexDigit := "1"
	if p.Sex == "F" {
		sexDigit = "2"
	}
	body := fmt.Sprintf("%s%02d%02d%s%s%03d", sexDigit, p.BirthDate.Year()%100, int(p.BirthDate.Month()), dept, commune, 1+rng.IntN(999))
	p.NIR = body + nirKey(body)
	p.IPP = strconv.Itoa(10000000 + rng.IntN(90000000))

	home := pick(rng, residenceCities)
	p.Address = Address{
		Street:      fmt.Sprintf("%d %s %s", 1+rng.IntN(120), pick(rng, streetKinds), pick(rng, streetNames)),
		PostalCode:  home.postcode,
		City:        home.name,
		Departement: home.dept,
	}
	p.Phone = fmt.Sprintf("0%d %02d %02d %02d %02d", pick(rng, []int{6, 7, phoneZone(home.dept)}),
		rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100))
	return p
}

// INS returns the INS matricule: for an INS-NIR, the NIR itself. Its
// issuer is [INSNIROID].
func (p *Patient) INS() string { return p.NIR }

// DICOMName is the Patient's Name value: used family name, first given
// name, other given names as middle names.
func (p *Patient) DICOMName() string {
	return personName(p.FamilyName, p.GivenNames)
}

// DICOMBirthName is the Patient's Birth Name value.
func (p *Patient) DICOMBirthName() string {
	return personName(p.BirthName, p.GivenNames)
}

// DisplayName is the name as printed on an image or a letter:
// "Hélène LEFÈVRE-DUPRÉ".
func (p *Patient) DisplayName() string {
	return strings.Join(p.GivenNames[:1], " ") + " " + strings.ToUpper(p.FamilyName)
}

// Age is the age in whole years on date t.
func (p *Patient) Age(t time.Time) int {
	y := t.Year() - p.BirthDate.Year()
	if t.Month() < p.BirthDate.Month() || (t.Month() == p.BirthDate.Month() && t.Day() < p.BirthDate.Day()) {
		y--
	}
	return y
}

// LogValue keeps patient data out of logs, as for real patients.
func (p Patient) LogValue() slog.Value { return slog.StringValue("REDACTED") }

func (p *Patient) validate() error {
	switch {
	case p.Sex != "F" && p.Sex != "M" && p.Sex != "O":
		return fmt.Errorf("synth: patient sex %q, want F, M or O", p.Sex)
	case p.FamilyName == "" || len(p.GivenNames) == 0:
		return errors.New("synth: patient needs a family name and a given name")
	case p.BirthDate.IsZero():
		return errors.New("synth: patient needs a birth date")
	case p.NIR != "" && !ValidNIR(p.NIR):
		return fmt.Errorf("synth: patient NIR %q is invalid", p.NIR)
	}
	return nil
}

func personName(family string, given []string) string {
	s := family + "^"
	if len(given) > 0 {
		s += given[0]
		if len(given) > 1 {
			s += "^" + strings.Join(given[1:], " ")
		}
	}
	return s
}

func familyName(rng *rand.Rand) string {
	n := pick(rng, familyNames)
	if rng.IntN(8) == 0 {
		m := pick(rng, familyNames)
		if m != n && !strings.ContainsAny(n+m, " -") {
			n += "-" + m
		}
	}
	return n
}

func phoneZone(dept string) int {
	switch dept {
	case "75", "77", "78", "91", "92", "93", "94", "95":
		return 1
	case "59", "62", "80", "51", "57", "67", "21", "01", "74", "38":
		return 3
	case "13", "06", "34", "63":
		return 4
	case "31", "33", "64", "87", "86", "09":
		return 5
	}
	return 2
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func containsFold(s []string, v string) bool {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// Physician is a doctor with an RPPS number (Répertoire partagé des
// professionnels de santé), the national identifier French health
// information systems carry for referring and reading physicians.
type Physician struct {
	FamilyName string
	GivenName  string
	// RPPS is the 11-digit RPPS number (last digit a Luhn key).
	RPPS string
}

// DICOMName is the PN value, with the "Dr" prefix.
func (d Physician) DICOMName() string {
	return d.FamilyName + "^" + d.GivenName + "^^Dr"
}

// NewPhysician generates a physician from a seed.
func NewPhysician(seed uint64) Physician {
	rng := newRand(seed, "physician")
	given := maleGiven
	if rng.IntN(2) == 0 {
		given = femaleGiven
	}
	body := "10" + fmt.Sprintf("%08d", rng.IntN(100000000))
	return Physician{FamilyName: familyName(rng), GivenName: pick(rng, given), RPPS: body + luhnKey(body)}
}

// Institution is an imaging facility identified by its FINESS number
// (Fichier national des établissements sanitaires et sociaux).
type Institution struct {
	Name       string
	Department string // institutional department, "Imagerie médicale"
	Address    Address
	// FINESS is the 9-digit FINESS number: département, six digits, Luhn key.
	FINESS string
	Phone  string
}

// NewInstitution generates an institution from a seed, in département
// dept ("" for any mainland département; Corsica and overseas are not
// offered because their FINESS numbers are not purely numeric).
func NewInstitution(seed uint64, dept string) Institution {
	rng := newRand(seed, "institution")
	var cands []city
	for _, c := range residenceCities {
		if c.dept == dept {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		cands = residenceCities
	}
	c := pick(rng, cands)
	body := c.dept + "0" + fmt.Sprintf("%05d", rng.IntN(100000))
	return Institution{
		Name:       fmt.Sprintf(pick(rng, institutionForms), c.name),
		Department: pick(rng, []string{"Imagerie médicale", "Radiologie", "Sénologie", "Service d'imagerie"}),
		Address: Address{
			Street:      fmt.Sprintf("%d %s %s", 1+rng.IntN(80), pick(rng, streetKinds), pick(rng, streetNames)),
			PostalCode:  c.postcode,
			City:        c.name,
			Departement: c.dept,
		},
		FINESS: body + luhnKey(body),
		Phone:  fmt.Sprintf("0%d %02d %02d %02d %02d", phoneZone(c.dept), rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100)),
	}
}

// staff is everyone and everything around the patient in one study.
type staff struct {
	referring   Physician
	reading     Physician
	operator    Physician // a technologist (manipulateur); RPPS unused
	institution Institution
	accession   string
	studyID     string
	procID      string // requested procedure ID
	stepID      string // scheduled procedure step ID
}

func newStaff(seed uint64, p *Patient) staff {
	rng := newRand(seed, "staff")
	s := staff{
		referring:   NewPhysician(mix64(seed ^ 0x5265666572)),
		reading:     NewPhysician(mix64(seed ^ 0x52656164)),
		operator:    NewPhysician(mix64(seed ^ 0x4f70)),
		institution: NewInstitution(seed, p.Address.Departement),
	}
	s.accession = fmt.Sprintf("A%d%07d", 20+rng.IntN(6), rng.IntN(10000000))
	s.studyID = strconv.Itoa(1 + rng.IntN(99999))
	s.procID = fmt.Sprintf("RP%08d", rng.IntN(100000000))
	s.stepID = fmt.Sprintf("SPS%07d", rng.IntN(10000000))
	return s
}

// nirKey computes the NIR key of the first 13 characters: 97 minus the
// number modulo 97, with Corsica's 2A and 2B read as 19 and 18.
func nirKey(body string) string {
	n, ok := nirNumber(body)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%02d", 97-n%97)
}

func nirNumber(body string) (uint64, bool) {
	if len(body) != 13 {
		return 0, false
	}
	switch strings.ToUpper(body[5:7]) {
	case "2A":
		body = body[:5] + "19" + body[7:]
	case "2B":
		body = body[:5] + "18" + body[7:]
	}
	n, err := strconv.ParseUint(body, 10, 64)
	return n, err == nil
}

// ValidNIR reports whether s is a well-formed NIR (numéro d'inscription au
// répertoire, the French social security number) with a correct key:
// 15 characters once spaces are removed; sex 1, 2, 7 or 8; a month 01-12,
// 20-42 or 50-99 (the codes for an unknown month); a département of two
// digits, 2A or 2B; and key = 97 − (first 13 digits mod 97), 2A and 2B
// counting as 19 and 18.
func ValidNIR(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) != 15 {
		return false
	}
	switch s[0] {
	case '1', '2', '7', '8':
	default:
		return false
	}
	if !allDigits(s[1:5]) || !allDigits(s[7:]) {
		return false
	}
	d := strings.ToUpper(s[5:7])
	if !allDigits(d) && d != "2A" && d != "2B" {
		return false
	}
	m, _ := strconv.Atoi(s[3:5])
	if m == 0 || (m > 12 && m < 20) || (m > 42 && m < 50) {
		return false
	}
	return nirKey(s[:13]) == s[13:]
}

// ValidRPPS reports whether s is an 11-digit RPPS number whose last digit
// is its Luhn key.
func ValidRPPS(s string) bool { return len(s) == 11 && allDigits(s) && luhnValid(s) }

// ValidFINESS reports whether s is a 9-digit FINESS number whose last digit
// is its Luhn key.
func ValidFINESS(s string) bool { return len(s) == 9 && allDigits(s) && luhnValid(s) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// luhnKey returns the Luhn check digit to append to body.
func luhnKey(body string) string {
	for d := byte('0'); d <= '9'; d++ {
		if luhnValid(body + string(d)) {
			return string(d)
		}
	}
	return ""
}

func luhnValid(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
