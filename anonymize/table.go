package anonymize

import (
	"sort"

	"github.com/radkit/radkit/dicomio"
)

// row is one row of PS3.15 Table E.1-1 (see profile_gen.go).
type row struct {
	tag, mask uint32
	name      string
	vr        string
	stdIOD    bool
	basic     Code
	opts      string
}

// Code is an action code of Table E.1-1 as the standard writes it: D, Z,
// X, K, C, U, or a type-dependent combination such as X/Z/D.
type Code string

// Action is what the engine does to one attribute, once a [Code] has been
// resolved under the options in force.
type Action byte

// The actions of PS3.15 E.1.1, after resolution.
const (
	Keep    Action = 'K' // keep the value (a sequence still has its items de-identified)
	Remove  Action = 'X' // remove the attribute
	Zero    Action = 'Z' // replace with a zero-length value
	Dummy   Action = 'D' // replace with a non-zero dummy value of the same VR
	Clean   Action = 'C' // replace with a value of similar meaning free of identity
	Replace Action = 'U' // replace UIDs by keyed UIDs, consistently
)

func (a Action) String() string { return string(rune(a)) }

// Resolve returns the action a code stands for when the attribute's type in
// the IOD is not known, which is always the case for a generic engine: the
// standard's combined codes leave the choice to the type (X when Type 3, Z
// when Type 2, D when Type 1). The conservative branch is the one that is
// valid whatever the type, so that the output never violates the IOD and
// never keeps a value: D where D is offered (X/D, Z/D, X/Z/D), else Z (X/Z),
// and U for X/Z/U* (keep the sequence, replace the UIDs of its items).
// Privacy is the same on every branch: none keeps the original value.
func (c Code) Resolve() Action {
	switch c {
	case "D", "X/D", "Z/D", "X/Z/D":
		return Dummy
	case "Z", "X/Z":
		return Zero
	case "X":
		return Remove
	case "K":
		return Keep
	case "C":
		return Clean
	case "U", "X/Z/U*":
		return Replace
	}
	// The generator rejects unknown codes; be safe anyway.
	return Remove
}

// action resolves a row under the options. Where an enabled option has an
// entry it overrides the Basic Profile; where several do, C wins over K
// because it is the more restrictive of two retentions (for example Retain
// Device Identity keeps a Beam Hold Transition DateTime that Retain
// Longitudinal Temporal Information with Modified Dates must still shift).
func (r *row) action(opts Option) Action {
	act := r.basic.Resolve()
	override := byte(0)
	for i := 0; i < len(r.opts); i++ {
		if opts&(1<<i) == 0 {
			continue
		}
		switch r.opts[i] {
		case 'C':
			override = 'C'
		case 'K':
			if override == 0 {
				override = 'K'
			}
		}
	}
	switch override {
	case 'C':
		return Clean
	case 'K':
		return Keep
	}
	return act
}

// lookupRow returns the Table E.1-1 row for a standard tag, or nil.
func lookupRow(t dicomio.Tag) *row {
	v := uint32(t)
	i := sort.Search(len(profileRows), func(i int) bool { return profileRows[i].tag >= v })
	for j := i; j < len(profileRows) && profileRows[j].tag == v; j++ {
		if profileRows[j].mask == 0xFFFFFFFF {
			return &profileRows[j]
		}
	}
	for j := range profileRows {
		r := &profileRows[j]
		if r.mask != 0xFFFFFFFF && v&r.mask == r.tag {
			return r
		}
	}
	return nil
}
