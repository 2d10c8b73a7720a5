package dicomio

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// CharacterSet decodes and encodes the text of a data set under its
// Specific Character Set (0008,0005), PS3.5 section 6.1 and Annexes H to K.
//
// Values are kept as the raw bytes of the file and only converted on
// access, so a CharacterSet must reproduce the exact bytes of well-formed
// values: Encode(Decode(b)) == b for the standard's examples, including the
// ISO 2022 escape sequences of the Japanese, Korean and Chinese ones
// (Example I.3-1 aside, see [CharacterSet.Encode]).
//
// Reading is lenient because real files often disagree with their own
// Specific Character Set; writing is strict because a file we write must
// be readable by others. In particular:
//
//   - Under the default repertoire (no Specific Character Set, or ISO_IR 6),
//     bytes >= 0x80 decode as ISO 8859-1: many French systems write Latin-1
//     names without declaring ISO_IR 100, and a best guess beats an error
//     or a string of U+FFFD. Encoding a non-ASCII character under the
//     default repertoire is an error: the caller must set Specific
//     Character Set first.
//   - Under ISO_IR 192 (UTF-8), GB18030 and GBK, invalid byte sequences
//     decode as U+FFFD without error, as do bytes undefined in a
//     single-byte or multi-byte set.
//   - With code extensions, any escape sequence of PS3.3 Tables C.12-3 and
//     C.12-4 is honoured even if its term is missing from Specific
//     Character Set; an unknown escape sequence is kept as text (U+001B and
//     what follows it).
//   - Common misspellings of the defined terms ("ISO IR 100", "ISO-IR 100",
//     lower case) are accepted, as are single-byte terms without "2022" in
//     a multi-valued Specific Character Set, which are taken as their ISO
//     2022 counterparts. Terms that cannot be used with code extensions
//     (ISO_IR 192, GB18030, GBK) are dropped from a multi-valued set, or
//     make the following values ignored when they come first, as pydicom
//     does.
//
// The G0 set ISO-IR 14 (JIS X 0201 Romaji, the G0 half of ISO 2022 IR 13)
// is read and written as ASCII: strictly, 05/12 is YEN SIGN and 07/14
// OVERLINE there, but 05/12 is also the DICOM value delimiter, and pydicom
// reads it as the backslash too.
//
// The zero value and a nil *CharacterSet are the default repertoire. A
// CharacterSet is immutable and safe for concurrent use.
type CharacterSet struct {
	// terms are the defined terms in effect, in canonical spelling; nil
	// for the default repertoire.
	terms []string
	mode  csMode
	// init0 and init1 are the G0 and G1 sets active at the start of each
	// value and after each delimiter (modeDefault ignores them).
	init0, init1 charSet
	// declared lists the sets the terms designate, first term first: the
	// order in which the encoder tries them.
	declared []charSet
}

type csMode uint8

const (
	// modeDefault is ISO-IR 6 with Latin-1 read leniently; the zero value.
	modeDefault csMode = iota
	// modeSingle is one single-byte term without code extensions: escape
	// bytes are ordinary control characters.
	modeSingle
	// modeISO2022 follows the escape sequences of PS3.5 6.1.2.5.
	modeISO2022
	modeUTF8
	modeGB18030
	modeGBK
)

// charSet is one graphic character set that can be designated to G0 or G1.
type charSet uint8

const (
	csNone     charSet = iota // nothing designated to G1: high bytes read as Latin-1
	csASCII                   // ISO-IR 6, G0
	csRomaji                  // ISO-IR 14 (JIS X 0201 Romaji), G0, read as ASCII
	csKatakana                // ISO-IR 13 (JIS X 0201 Katakana), G1
	csLatin1                  // ISO-IR 100, ISO 8859-1
	csLatin2                  // ISO-IR 101, ISO 8859-2
	csLatin3                  // ISO-IR 109, ISO 8859-3
	csLatin4                  // ISO-IR 110, ISO 8859-4
	csCyrillic                // ISO-IR 144, ISO 8859-5
	csArabic                  // ISO-IR 127, ISO 8859-6
	csGreek                   // ISO-IR 126, ISO 8859-7
	csHebrew                  // ISO-IR 138, ISO 8859-8
	csLatin5                  // ISO-IR 148, ISO 8859-9
	csLatin9                  // ISO-IR 203, ISO 8859-15
	csThai                    // ISO-IR 166, TIS 620-2533
	csJISX0208                // ISO-IR 87, G0, two bytes
	csJISX0212                // ISO-IR 159, G0, two bytes
	csKSX1001                 // ISO-IR 149, G1, two bytes
	csGB2312                  // ISO-IR 58, G1, two bytes
)

// g1 reports whether s is designated to G1 (bytes 0xA0-0xFF) rather than
// G0 (bytes 0x21-0x7E).
func (s charSet) g1() bool {
	switch s {
	case csASCII, csRomaji, csJISX0208, csJISX0212:
		return false
	}
	return true
}

// multiByte reports whether characters of s take two bytes.
func (s charSet) multiByte() bool {
	switch s {
	case csJISX0208, csJISX0212, csKSX1001, csGB2312:
		return true
	}
	return false
}

// escape returns the escape sequence that designates s (PS3.3 Tables
// C.12-3 and C.12-4), the one the encoder writes.
func (s charSet) escape() string {
	switch s {
	case csASCII:
		return "\x1b(B"
	case csRomaji:
		return "\x1b(J"
	case csKatakana:
		return "\x1b)I"
	case csLatin1:
		return "\x1b-A"
	case csLatin2:
		return "\x1b-B"
	case csLatin3:
		return "\x1b-C"
	case csLatin4:
		return "\x1b-D"
	case csCyrillic:
		return "\x1b-L"
	case csArabic:
		return "\x1b-G"
	case csGreek:
		return "\x1b-F"
	case csHebrew:
		return "\x1b-H"
	case csLatin5:
		return "\x1b-M"
	case csLatin9:
		return "\x1b-b"
	case csThai:
		return "\x1b-T"
	case csJISX0208:
		return "\x1b$B"
	case csJISX0212:
		return "\x1b$(D"
	case csKSX1001:
		return "\x1b$)C"
	case csGB2312:
		return "\x1b$)A"
	}
	return ""
}

// parseEscape recognises the escape sequence at the start of b and returns
// the set it designates and its length, or n == 0. Besides the sequences
// of PS3.3 it accepts ESC $ @ (JIS C 6226-1978, which older Japanese
// systems still write for JIS X 0208) and the long form ESC $ ( B.
func parseEscape(b []byte) (s charSet, n int) {
	if len(b) < 3 || b[0] != 0x1b {
		return csNone, 0
	}
	switch string(b[1:3]) {
	case "(B":
		return csASCII, 3
	case "(J":
		return csRomaji, 3
	case ")I":
		return csKatakana, 3
	case "-A":
		return csLatin1, 3
	case "-B":
		return csLatin2, 3
	case "-C":
		return csLatin3, 3
	case "-D":
		return csLatin4, 3
	case "-L":
		return csCyrillic, 3
	case "-G":
		return csArabic, 3
	case "-F":
		return csGreek, 3
	case "-H":
		return csHebrew, 3
	case "-M":
		return csLatin5, 3
	case "-b":
		return csLatin9, 3
	case "-T":
		return csThai, 3
	case "$B", "$@":
		return csJISX0208, 3
	}
	if len(b) < 4 {
		return csNone, 0
	}
	switch string(b[1:4]) {
	case "$(B", "$(@":
		return csJISX0208, 4
	case "$(D":
		return csJISX0212, 4
	case "$)C":
		return csKSX1001, 4
	case "$)A":
		return csGB2312, 4
	}
	return csNone, 0
}

// charmapOf returns the ISO 8859 table of a single-byte G1 set, or nil.
func charmapOf(s charSet) *charmap.Charmap {
	switch s {
	case csLatin1:
		return charmap.ISO8859_1
	case csLatin2:
		return charmap.ISO8859_2
	case csLatin3:
		return charmap.ISO8859_3
	case csLatin4:
		return charmap.ISO8859_4
	case csCyrillic:
		return charmap.ISO8859_5
	case csArabic:
		return charmap.ISO8859_6
	case csGreek:
		return charmap.ISO8859_7
	case csHebrew:
		return charmap.ISO8859_8
	case csLatin5:
		return charmap.ISO8859_9
	case csLatin9:
		return charmap.ISO8859_15
	}
	return nil
}

// termInfo describes one defined term of PS3.3 C.12.1.1.2.
type termInfo struct {
	name string // canonical spelling
	mode csMode // modeSingle or modeISO2022 for the ISO 2022 family
	g0   charSet
	g1   charSet
}

// lookupTerm finds a defined term by its normalised spelling (upper case,
// without spaces, '_' or '-'), so that the usual misspellings match.
func lookupTerm(key string) (termInfo, bool) {
	single := func(name string, g0, g1 charSet) (termInfo, bool) {
		return termInfo{name: name, mode: modeSingle, g0: g0, g1: g1}, true
	}
	ext := func(name string, g0, g1 charSet) (termInfo, bool) {
		return termInfo{name: name, mode: modeISO2022, g0: g0, g1: g1}, true
	}
	switch key {
	case "ISOIR6":
		return termInfo{name: "ISO_IR 6", mode: modeDefault, g0: csASCII, g1: csNone}, true
	case "ISOIR100":
		return single("ISO_IR 100", csASCII, csLatin1)
	case "ISOIR101":
		return single("ISO_IR 101", csASCII, csLatin2)
	case "ISOIR109":
		return single("ISO_IR 109", csASCII, csLatin3)
	case "ISOIR110":
		return single("ISO_IR 110", csASCII, csLatin4)
	case "ISOIR144":
		return single("ISO_IR 144", csASCII, csCyrillic)
	case "ISOIR127":
		return single("ISO_IR 127", csASCII, csArabic)
	case "ISOIR126":
		return single("ISO_IR 126", csASCII, csGreek)
	case "ISOIR138":
		return single("ISO_IR 138", csASCII, csHebrew)
	case "ISOIR148":
		return single("ISO_IR 148", csASCII, csLatin5)
	case "ISOIR203":
		return single("ISO_IR 203", csASCII, csLatin9)
	case "ISOIR166":
		return single("ISO_IR 166", csASCII, csThai)
	case "ISOIR13":
		return single("ISO_IR 13", csRomaji, csKatakana)
	case "ISOIR192":
		return termInfo{name: "ISO_IR 192", mode: modeUTF8}, true
	case "GB18030":
		return termInfo{name: "GB18030", mode: modeGB18030}, true
	case "GBK":
		return termInfo{name: "GBK", mode: modeGBK}, true
	case "ISO2022IR6":
		return ext("ISO 2022 IR 6", csASCII, csNone)
	case "ISO2022IR100":
		return ext("ISO 2022 IR 100", csASCII, csLatin1)
	case "ISO2022IR101":
		return ext("ISO 2022 IR 101", csASCII, csLatin2)
	case "ISO2022IR109":
		return ext("ISO 2022 IR 109", csASCII, csLatin3)
	case "ISO2022IR110":
		return ext("ISO 2022 IR 110", csASCII, csLatin4)
	case "ISO2022IR144":
		return ext("ISO 2022 IR 144", csASCII, csCyrillic)
	case "ISO2022IR127":
		return ext("ISO 2022 IR 127", csASCII, csArabic)
	case "ISO2022IR126":
		return ext("ISO 2022 IR 126", csASCII, csGreek)
	case "ISO2022IR138":
		return ext("ISO 2022 IR 138", csASCII, csHebrew)
	case "ISO2022IR148":
		return ext("ISO 2022 IR 148", csASCII, csLatin5)
	case "ISO2022IR203":
		return ext("ISO 2022 IR 203", csASCII, csLatin9)
	case "ISO2022IR166":
		return ext("ISO 2022 IR 166", csASCII, csThai)
	case "ISO2022IR13":
		return ext("ISO 2022 IR 13", csRomaji, csKatakana)
	case "ISO2022IR87":
		return ext("ISO 2022 IR 87", csJISX0208, csNone)
	case "ISO2022IR159":
		return ext("ISO 2022 IR 159", csJISX0212, csNone)
	case "ISO2022IR149":
		return ext("ISO 2022 IR 149", csASCII, csKSX1001)
	case "ISO2022IR58":
		return ext("ISO 2022 IR 58", csASCII, csGB2312)
	}
	return termInfo{}, false
}

func normaliseTerm(t string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '\t', 0:
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, t)
}

// ParseCharacterSet returns the character set named by the values of
// Specific Character Set. No values, or an empty first value, is the
// default repertoire (ISO 646, ASCII); an empty first value followed by
// others means the default repertoire with code extensions (PS3.3
// C.12.1.1.2). An unknown term is an *UnsupportedCharsetError: guessing
// would silently corrupt names.
func ParseCharacterSet(terms []string) (*CharacterSet, error) {
	infos := make([]termInfo, 0, len(terms))
	for i, t := range terms {
		key := normaliseTerm(t)
		if key == "" {
			if i == 0 {
				infos = append(infos, termInfo{name: "", mode: modeISO2022, g0: csASCII, g1: csNone})
			}
			continue // an empty later value designates nothing
		}
		info, ok := lookupTerm(key)
		if !ok {
			return nil, &UnsupportedCharsetError{Term: strings.TrimSpace(t)}
		}
		infos = append(infos, info)
	}
	if len(infos) == 0 || (len(infos) == 1 && infos[0].name == "") {
		return &CharacterSet{}, nil
	}
	switch first := infos[0]; first.mode {
	case modeUTF8, modeGB18030, modeGBK:
		// These cannot be combined with code extensions (PS3.5
		// 6.1.2.5.4 d); what follows them is ignored.
		return &CharacterSet{terms: []string{first.name}, mode: first.mode}, nil
	}
	if len(infos) > 1 {
		kept := infos[:0]
		for _, info := range infos {
			switch info.mode {
			case modeUTF8, modeGB18030, modeGBK:
				continue // not usable as a code extension: dropped
			case modeDefault, modeSingle:
				// A term spelt without "2022" in a multi-valued set.
				info, _ = lookupTerm("ISO2022IR" + strings.TrimPrefix(normaliseTerm(info.name), "ISOIR"))
			}
			kept = append(kept, info)
		}
		infos = kept
	}
	first := infos[0]
	c := &CharacterSet{mode: first.mode, init0: first.g0, init1: first.g1}
	for _, info := range infos {
		c.terms = append(c.terms, info.name)
	}
	if c.init0.multiByte() {
		// A two-byte G0 set as value 1 would leave no way to write the
		// ASCII delimiters; start in ASCII and let the escape sequences
		// designate it.
		c.init0 = csASCII
	}
	c.declared = declaredSets(infos)
	return c, nil
}

// declaredSets lists the sets designated by the terms, in term order, for
// the encoder to try; ASCII and Romaji are left out as they only ever
// return G0 to its initial state.
func declaredSets(infos []termInfo) []charSet {
	var out []charSet
	add := func(s charSet) {
		if s == csNone || s == csASCII || s == csRomaji {
			return
		}
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, info := range infos {
		add(info.g0)
		add(info.g1)
	}
	return out
}

// Terms returns the defined terms in effect, in canonical spelling (nil for
// the default repertoire), as they should be written back to Specific
// Character Set: misspellings are corrected and ignored terms left out.
func (c *CharacterSet) Terms() []string {
	if c == nil || len(c.terms) == 0 {
		return nil
	}
	return append([]string(nil), c.terms...)
}

// String returns the terms joined by backslashes, the value of Specific
// Character Set, or "ISO_IR 6" for the default repertoire so that error
// messages never show an empty name.
func (c *CharacterSet) String() string {
	if c == nil || len(c.terms) == 0 {
		return "ISO_IR 6"
	}
	return strings.Join(c.terms, `\`)
}

// isDelimiter reports whether x, read in a single-byte G0 set, returns the
// code elements to their initial state (PS3.5 6.1.2.5.3): the component
// and group delimiters of PN, and for other VRs the line and page breaks
// and TAB, plus the value delimiter of multi-valued VRs. For LT, ST and UT
// the backslash is an ordinary character, so it resets nothing.
func isDelimiter(x byte, vr VR) bool {
	if vr == PN {
		return x == '^' || x == '=' || x == '\\'
	}
	switch x {
	case '\r', '\n', '\f', '\t':
		return true
	case '\\':
		return vr.multiValued()
	}
	return false
}

// Decode converts value bytes of the given VR to UTF-8. Only LO, LT, PN,
// SH, ST, UC and UT use the Specific Character Set; the other VRs are in
// the default repertoire and decode as ASCII, with stray high bytes read
// as Latin-1 rather than failing. Padding is kept: trimming is the
// caller's business since it depends on the VR.
//
// Decoding does not fail on malformed input (see [CharacterSet] for what
// undecodable bytes become); the error is kept in the signature for
// character sets that cannot be decoded at all.
func (c *CharacterSet) Decode(b []byte, vr VR) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	if c == nil || !vr.usesCharset() {
		return decodeLatin1(b), nil
	}
	if isPlainASCII(b, c.mode == modeISO2022) {
		return string(b), nil // the common case, the same in every set
	}
	switch c.mode {
	case modeDefault:
		return decodeLatin1(b), nil
	case modeUTF8:
		return decodeUTF8(b), nil
	case modeGB18030:
		return decodeWith(simplifiedchinese.GB18030, b)
	case modeGBK:
		return decodeWith(simplifiedchinese.GBK, b)
	}
	return c.decodeISO2022(b, vr), nil
}

// isPlainASCII reports whether b is ASCII, without ESC when escape
// sequences would be interpreted: such bytes read the same under every
// character set, since value 1 never starts in a two-byte G0 set.
func isPlainASCII[T string | []byte](b T, escapes bool) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 || (escapes && b[i] == 0x1b) {
			return false
		}
	}
	return true
}

func decodeLatin1(b []byte) string {
	for _, x := range b {
		if x >= 0x80 {
			r := make([]rune, len(b))
			for i, x := range b {
				r[i] = rune(x)
			}
			return string(r)
		}
	}
	return string(b)
}

// decodeUTF8 replaces each invalid byte with U+FFFD, the way Go's range
// over a string reads it, so the result is always valid UTF-8.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for _, r := range string(b) {
		sb.WriteRune(r)
	}
	return sb.String()
}

func decodeWith(e encoding.Encoding, b []byte) (string, error) {
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		// x/text decoders replace invalid input rather than failing;
		// this only guards against a change there.
		return "", fmt.Errorf("dicomio: decoding text: %w", err)
	}
	return decodeUTF8(out), nil
}

// transcoders holds the x/text transformers a single Decode or Encode call
// needs, created on first use so that nothing is shared between calls.
type transcoders struct {
	eucjpDec, euckrDec, gbkDec transform.Transformer
	eucjpEnc, euckrEnc, gbkEnc transform.Transformer
}

// decodeRune runs one complete character through t; it returns U+FFFD if
// t does not produce exactly one valid rune.
func decodeRune(t transform.Transformer, src []byte) rune {
	var dst [16]byte
	t.Reset()
	n, _, err := t.Transform(dst[:], src, true)
	if err != nil || n == 0 {
		return utf8.RuneError
	}
	r, size := utf8.DecodeRune(dst[:n])
	if size != n {
		return utf8.RuneError
	}
	return r
}

// encodeRune runs one rune through t and returns the bytes in dst, or
// n == 0 if t cannot encode it.
func encodeRune(t transform.Transformer, r rune, dst []byte) int {
	var src [utf8.UTFMax]byte
	m := utf8.EncodeRune(src[:], r)
	t.Reset()
	n, nSrc, err := t.Transform(dst, src[:m], true)
	if err != nil || nSrc != m {
		return 0
	}
	return n
}

// decodePair decodes a two-byte character of a multi-byte set from its
// two 7-bit code positions (0x21-0x7E each).
func (tc *transcoders) decodePair(s charSet, b1, b2 byte) rune {
	switch s {
	case csJISX0208:
		if tc.eucjpDec == nil {
			tc.eucjpDec = japanese.EUCJP.NewDecoder()
		}
		return decodeRune(tc.eucjpDec, []byte{b1 | 0x80, b2 | 0x80})
	case csJISX0212:
		if tc.eucjpDec == nil {
			tc.eucjpDec = japanese.EUCJP.NewDecoder()
		}
		return decodeRune(tc.eucjpDec, []byte{0x8f, b1 | 0x80, b2 | 0x80})
	case csKSX1001:
		if tc.euckrDec == nil {
			tc.euckrDec = korean.EUCKR.NewDecoder()
		}
		return decodeRune(tc.euckrDec, []byte{b1 | 0x80, b2 | 0x80})
	case csGB2312:
		if tc.gbkDec == nil {
			tc.gbkDec = simplifiedchinese.GBK.NewDecoder()
		}
		return decodeRune(tc.gbkDec, []byte{b1 | 0x80, b2 | 0x80})
	}
	return utf8.RuneError
}

// encodePair encodes r in a multi-byte set and returns its two 7-bit code
// positions, or ok == false. The x/text encoders cover supersets (CP949,
// GBK, EUC-JP with JIS X 0212), so their output is checked to fall in the
// 94x94 area of the set itself.
func (tc *transcoders) encodePair(s charSet, r rune) (b1, b2 byte, ok bool) {
	var dst [8]byte
	in94 := func(x byte) bool { return 0xa1 <= x && x <= 0xfe }
	switch s {
	case csJISX0208, csJISX0212:
		if tc.eucjpEnc == nil {
			tc.eucjpEnc = japanese.EUCJP.NewEncoder()
		}
		n := encodeRune(tc.eucjpEnc, r, dst[:])
		if s == csJISX0208 && n == 2 && in94(dst[0]) && in94(dst[1]) {
			return dst[0] & 0x7f, dst[1] & 0x7f, true
		}
		if s == csJISX0212 && n == 3 && dst[0] == 0x8f && in94(dst[1]) && in94(dst[2]) {
			return dst[1] & 0x7f, dst[2] & 0x7f, true
		}
	case csKSX1001:
		if tc.euckrEnc == nil {
			tc.euckrEnc = korean.EUCKR.NewEncoder()
		}
		if n := encodeRune(tc.euckrEnc, r, dst[:]); n == 2 && in94(dst[0]) && in94(dst[1]) {
			return dst[0] & 0x7f, dst[1] & 0x7f, true
		}
	case csGB2312:
		if tc.gbkEnc == nil {
			tc.gbkEnc = simplifiedchinese.GBK.NewEncoder()
		}
		if n := encodeRune(tc.gbkEnc, r, dst[:]); n == 2 && in94(dst[0]) && in94(dst[1]) {
			return dst[0] & 0x7f, dst[1] & 0x7f, true
		}
	}
	return 0, 0, false
}

// decodeHigh decodes a byte 0xA0-0xFF of a single-byte G1 set.
func decodeHigh(s charSet, x byte) rune {
	switch s {
	case csNone:
		return rune(x) // lenient Latin-1
	case csKatakana:
		if 0xa1 <= x && x <= 0xdf {
			return rune(x) - 0xa1 + 0xff61
		}
		return utf8.RuneError
	case csThai:
		// TIS 620 maps linearly onto the Thai block; 0xA0 is the
		// no-break space of ISO 8859-11.
		switch {
		case x == 0xa0:
			return 0xa0
		case 0xa1 <= x && x <= 0xda, 0xdf <= x && x <= 0xfb:
			return rune(x) - 0xa0 + 0x0e00
		}
		return utf8.RuneError
	}
	if m := charmapOf(s); m != nil {
		return m.DecodeByte(x)
	}
	return utf8.RuneError
}

// encodeHigh encodes r as a byte 0xA0-0xFF of a single-byte G1 set.
func encodeHigh(s charSet, r rune) (byte, bool) {
	switch s {
	case csKatakana:
		if 0xff61 <= r && r <= 0xff9f {
			return byte(r - 0xff61 + 0xa1), true
		}
		return 0, false
	case csThai:
		switch {
		case r == 0xa0:
			return 0xa0, true
		case 0x0e01 <= r && r <= 0x0e3a, 0x0e3f <= r && r <= 0x0e5b:
			return byte(r - 0x0e00 + 0xa0), true
		}
		return 0, false
	}
	m := charmapOf(s)
	if m == nil || r == utf8.RuneError {
		return 0, false
	}
	if b, ok := m.EncodeRune(r); ok && b >= 0xa0 {
		return b, true
	}
	return 0, false
}

// decodeISO2022 decodes under single-byte sets, with or without code
// extensions. Bytes 0x80-0x9F are C1 controls in every ISO 2022 set and
// decode as U+0080-U+009F.
func (c *CharacterSet) decodeISO2022(b []byte, vr VR) string {
	var tc transcoders
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	g0, g1 := c.init0, c.init1
	ext := c.mode == modeISO2022
	for i := 0; i < len(b); {
		x := b[i]
		if x == 0x1b && ext {
			if s, n := parseEscape(b[i:]); n > 0 {
				if s.g1() {
					g1 = s
				} else {
					g0 = s
				}
				i += n
				continue
			}
		}
		switch {
		case x < 0x80:
			if g0.multiByte() && 0x21 <= x && x <= 0x7e {
				if i+1 < len(b) && 0x21 <= b[i+1] && b[i+1] <= 0x7e {
					sb.WriteRune(tc.decodePair(g0, x, b[i+1]))
					i += 2
				} else {
					sb.WriteRune(utf8.RuneError)
					i++
				}
				continue
			}
			sb.WriteByte(x)
			if isDelimiter(x, vr) {
				g0, g1 = c.init0, c.init1
			}
		case x < 0xa0:
			sb.WriteRune(rune(x))
		case g1.multiByte():
			if x != 0xff && x != 0xa0 && i+1 < len(b) && 0xa1 <= b[i+1] && b[i+1] <= 0xfe {
				sb.WriteRune(tc.decodePair(g1, x&0x7f, b[i+1]&0x7f))
				i += 2
				continue
			}
			sb.WriteRune(utf8.RuneError)
		default:
			sb.WriteRune(decodeHigh(g1, x))
		}
		i++
	}
	return sb.String()
}

// Encode converts UTF-8 text to value bytes of the given VR, without
// padding. A character the character set cannot represent is an
// *UnsupportedCharsetError naming it: writing '?' instead would corrupt a
// patient's name without anyone noticing.
//
// With code extensions the encoder designates, for each character not in
// the active sets, the first declared set that has it, and returns G0 to
// its initial set before each delimiter and at the end of the value; G1
// is re-designated after each delimiter. This reproduces the examples of
// PS3.5 Annexes H, I and K byte for byte, except Example I.3-1, which
// designates KS X 1001 at the start of the line rather than before the
// first Hangul character (both are valid; Example K.3-1 does the latter).
// ESC itself cannot be encoded under code extensions, as it would be read
// as an escape sequence.
func (c *CharacterSet) Encode(s string, vr VR) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, &UnsupportedCharsetError{Term: c.String(), Reason: "text is not valid UTF-8"}
	}
	if c == nil || c.mode == modeDefault || !vr.usesCharset() {
		for _, r := range s {
			if r >= 0x80 {
				reason := fmt.Sprintf("cannot encode %q (U+%04X): VR %v allows only the default repertoire", r, r, vr)
				if vr.usesCharset() {
					reason = fmt.Sprintf("cannot encode %q (U+%04X) in the default repertoire; set Specific Character Set (0008,0005) first", r, r)
				}
				return nil, &UnsupportedCharsetError{Term: c.String(), Reason: reason}
			}
		}
		return []byte(s), nil
	}
	if isPlainASCII(s, c.mode == modeISO2022) {
		return []byte(s), nil
	}
	switch c.mode {
	case modeUTF8:
		return []byte(s), nil
	case modeGB18030:
		return c.encodeWith(simplifiedchinese.GB18030, s)
	case modeGBK:
		return c.encodeWith(simplifiedchinese.GBK, s)
	}
	return c.encodeISO2022(s, vr)
}

func (c *CharacterSet) unencodable(r rune) error {
	return &UnsupportedCharsetError{Term: c.String(),
		Reason: fmt.Sprintf("cannot encode %q (U+%04X)", r, r)}
}

// encodeWith encodes rune by rune so that the error names the character;
// GB18030 and GBK are stateless, so the concatenation is the encoding.
func (c *CharacterSet) encodeWith(e encoding.Encoding, s string) ([]byte, error) {
	t := e.NewEncoder()
	out := make([]byte, 0, len(s))
	var dst [8]byte
	for _, r := range s {
		if r < 0x80 {
			out = append(out, byte(r))
			continue
		}
		n := encodeRune(t, r, dst[:])
		if n == 0 || (r == utf8.RuneError && c.mode == modeGBK) {
			return nil, c.unencodable(r)
		}
		out = append(out, dst[:n]...)
	}
	return out, nil
}

func (c *CharacterSet) encodeISO2022(s string, vr VR) ([]byte, error) {
	var tc transcoders
	ext := c.mode == modeISO2022
	out := make([]byte, 0, len(s)+8)
	g0, g1 := c.init0, c.init1

	// put writes r in set cs if it can, designating cs first when it is
	// not active.
	put := func(cs charSet, r rune) bool {
		if cs.multiByte() {
			b1, b2, ok := tc.encodePair(cs, r)
			if !ok {
				return false
			}
			if cs.g1() {
				if g1 != cs {
					out = append(out, cs.escape()...)
					g1 = cs
				}
				out = append(out, b1|0x80, b2|0x80)
			} else {
				if g0 != cs {
					out = append(out, cs.escape()...)
					g0 = cs
				}
				out = append(out, b1, b2)
			}
			return true
		}
		b, ok := encodeHigh(cs, r)
		if !ok {
			return false
		}
		if g1 != cs {
			out = append(out, cs.escape()...)
			g1 = cs
		}
		out = append(out, b)
		return true
	}

	for _, r := range s {
		switch {
		case r < 0x80:
			if r == 0x1b && ext {
				return nil, &UnsupportedCharsetError{Term: c.String(),
					Reason: "cannot encode ESC (U+001B) under code extensions"}
			}
			if g0 != c.init0 && (g0.multiByte() || isDelimiter(byte(r), vr)) {
				out = append(out, c.init0.escape()...)
				g0 = c.init0
			}
			out = append(out, byte(r))
			if isDelimiter(byte(r), vr) {
				g0, g1 = c.init0, c.init1
			}
			continue
		case r < 0xa0:
			out = append(out, byte(r)) // C1 control, the same in every set
			continue
		}
		if g1 != csNone && put(g1, r) {
			continue
		}
		if !ext {
			return nil, c.unencodable(r)
		}
		if g0.multiByte() && put(g0, r) {
			continue
		}
		done := false
		for _, cs := range c.declared {
			if cs != g1 && cs != g0 && put(cs, r) {
				done = true
				break
			}
		}
		if !done {
			return nil, c.unencodable(r)
		}
	}
	if g0 != c.init0 {
		out = append(out, c.init0.escape()...)
	}
	return out, nil
}
