package synth

import (
	"fmt"
	"strings"
)

// Kind names the kind of study to synthesise. Its values are the short
// lower-case names used on command lines ("ct", "mg"...), so that a Kind
// read from a flag needs no table.
type Kind string

// The kinds of study [Study] can generate.
const (
	CT  Kind = "ct"  // CT Image, 12-bit signed Hounsfield units, one object per slice.
	MR  Kind = "mr"  // MR Image, brain-like, one object per slice.
	CR  Kind = "cr"  // Computed Radiography Image, chest PA.
	DX  Kind = "dx"  // Digital X-Ray Image For Presentation, chest PA.
	MG  Kind = "mg"  // Digital Mammography X-Ray Image For Presentation, the four screening views.
	DBT Kind = "dbt" // Breast Tomosynthesis Image, the four views, multi-frame.
	US  Kind = "us"  // Ultrasound Image with burned-in identity text.
	SC  Kind = "sc"  // Secondary Capture Image (RGB screenshot) with burned-in identity text.
	SR  Kind = "sr"  // Basic Text SR: a mammography screening report.
)

var allKinds = [...]Kind{CT, MR, CR, DX, MG, DBT, US, SC, SR}

// Kinds returns every kind, in a stable order, so that tools can list them
// and tests can loop over them.
func Kinds() []Kind {
	return append([]Kind(nil), allKinds[:]...)
}

// ParseKind accepts a kind name in any case (with surrounding blanks), so
// that command-line input maps directly onto a Kind.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if k.valid() {
		return k, nil
	}
	return "", fmt.Errorf("synth: unknown kind %q (want one of %s)", s, kindList())
}

// String returns the kind's name.
func (k Kind) String() string { return string(k) }

func (k Kind) valid() bool {
	for _, x := range allKinds {
		if k == x {
			return true
		}
	}
	return false
}

// index is the kind's position, used in UIDs so that two kinds generated
// from the same seed never share a study.
func (k Kind) index() int {
	for i, x := range allKinds {
		if k == x {
			return i + 1
		}
	}
	return 0
}

func kindList() string {
	s := make([]string, len(allKinds))
	for i, k := range allKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
