package dicomio

import (
	"slices"
	"strings"
)

// DictEntry describes a tag of the PS3.6 data dictionary.
type DictEntry struct {
	Tag     Tag
	Name    string
	Keyword string
	// VR is the dictionary's VR text, which may name alternatives
	// ("OB or OW", "US or SS"), refer to a note ("See Note 2" for the item
	// and delimitation tags, which have no VR) or be empty (a few retired
	// entries).
	VR      string
	VM      string
	Retired bool
}

// maskedEntry is a repeating-group entry of the dictionary: a tag t
// matches when t&mask == DictEntry.Tag. first is the lowest tag that
// [LookupTag] resolves to the entry, which [TagByKeyword] returns.
type maskedEntry struct {
	mask  Tag
	first Tag
	DictEntry
}

// LookupTag returns the dictionary entry for t. It tries, in order:
//
//  1. the exact tags of PS3.6 ([DictionaryEdition]);
//  2. group length elements (gggg,0000): VR UL, name "Group Length",
//     retired (PS3.5 7.2) except where PS3.6 lists them, such as
//     (0002,0000);
//  3. private creator elements (gggg,0010-00FF) of odd groups: VR LO, name
//     "Private Creator" (PS3.5 7.8.1);
//  4. the repeating-group entries such as (60xx,3000) Overlay Data or
//     (50xx,3000) Curve Data, which match even (standard) groups only.
//
// Other private tags are not in the dictionary: it reports false for them.
// The returned Tag is t for every match.
func LookupTag(t Tag) (DictEntry, bool) {
	if i, ok := slices.BinarySearchFunc(dictExact[:], t, func(e DictEntry, t Tag) int {
		switch {
		case e.Tag < t:
			return -1
		case e.Tag > t:
			return 1
		}
		return 0
	}); ok {
		return dictExact[i], true
	}
	if t.IsGroupLength() {
		return DictEntry{Tag: t, Name: "Group Length", VR: "UL", VM: "1", Retired: true}, true
	}
	if t.IsPrivateCreator() {
		return DictEntry{Tag: t, Name: "Private Creator", VR: "LO", VM: "1"}, true
	}
	if t.Group()%2 == 1 {
		return DictEntry{}, false
	}
	for _, m := range dictMasked {
		if t&m.mask == m.Tag {
			e := m.DictEntry
			e.Tag = t
			return e, true
		}
	}
	return DictEntry{}, false
}

// TagByKeyword returns the tag of a dictionary keyword such as
// "PatientName". The match is exact (case-sensitive). For a repeating-group
// keyword it returns the lowest tag that [LookupTag] resolves to that
// keyword: (6000,3000) for "OverlayData", (0028,0410) for
// "RowsForNthOrderCoefficients" (since (0028,0400) is Transform Label).
func TagByKeyword(kw string) (Tag, bool) {
	i, ok := slices.BinarySearchFunc(dictByKeyword[:], kw, func(i uint16, kw string) int {
		k, _ := dictKeywordAt(int(i))
		return strings.Compare(k, kw)
	})
	if !ok {
		return 0, false
	}
	_, t := dictKeywordAt(int(dictByKeyword[i]))
	return t, true
}

// dictKeywordAt returns the keyword and tag of the entry that an index of
// dictByKeyword refers to.
func dictKeywordAt(i int) (string, Tag) {
	if i < len(dictExact) {
		return dictExact[i].Keyword, dictExact[i].Tag
	}
	m := &dictMasked[i-len(dictExact)]
	return m.Keyword, m.first
}
