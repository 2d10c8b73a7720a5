package synth

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// UID types: the component after the kind, so that the study, series,
// instance and other UIDs of one study live in disjoint subtrees and can
// never collide whatever the counts.
const (
	uidStudy = iota + 1
	uidSeries
	uidInstance
	uidFrameOfReference
	uidOther
)

// uidGen makes the UIDs of one study: <root>.<kind>.<type>[.<n>].
type uidGen struct {
	base string // root (and, for a custom root, the seed component) and kind
}

func newUIDGen(root string, seed uint64, kind Kind) (uidGen, error) {
	if root == "" {
		root = SeedRoot(seed)
	} else {
		if !ValidUID(root) {
			return uidGen{}, fmt.Errorf("synth: UIDRoot %q is not a valid UID", root)
		}
		if len(root) > MaxUIDRootLen {
			return uidGen{}, fmt.Errorf("synth: UIDRoot %q longer than %d characters", root, MaxUIDRootLen)
		}
		root += "." + strconv.FormatUint(seed, 10)
	}
	return uidGen{base: root + "." + strconv.Itoa(kind.index())}, nil
}

func (g uidGen) study() string { return g.base + "." + strconv.Itoa(uidStudy) }

// make returns the n-th UID of type typ (n ≥ 1).
func (g uidGen) make(typ, n int) string {
	return g.base + "." + strconv.Itoa(typ) + "." + strconv.Itoa(n)
}

// SeedRoot returns the default UID root for a seed: "2.25." followed by the
// decimal value of a version-8 (custom) UUID derived from the seed, the form
// PS3.5 B.2 allows without registering an organisation root.
func SeedRoot(seed uint64) string {
	rng := newRand(seed, "uid-root")
	hi, lo := rng.Uint64(), rng.Uint64()
	hi = hi&^(0xf<<12) | 0x8<<12 // version 8
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 9562 variant
	v := new(big.Int).SetUint64(hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(lo))
	return "2.25." + v.String()
}

// ValidUID reports whether s is a UID as PS3.5 9.1 defines it: at most 64
// characters, dot-separated components of digits, no empty component and
// no leading zero in a component other than "0".
func ValidUID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range strings.Split(s, ".") {
		if c == "" || (len(c) > 1 && c[0] == '0') {
			return false
		}
		for i := 0; i < len(c); i++ {
			if c[i] < '0' || c[i] > '9' {
				return false
			}
		}
	}
	return true
}
