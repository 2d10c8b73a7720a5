package dicomio

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// csHex decodes a hex literal of a test table; spaces are ignored so the
// tables can group bytes the way the standard prints them.
func csHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func csParse(t testing.TB, terms ...string) *CharacterSet {
	t.Helper()
	cs, err := ParseCharacterSet(terms)
	if err != nil {
		t.Fatalf("ParseCharacterSet(%q): %v", terms, err)
	}
	return cs
}

// csCheck asserts that text encodes to want and want decodes to text.
func csCheck(t *testing.T, cs *CharacterSet, vr VR, text string, want []byte) {
	t.Helper()
	got, err := cs.Encode(text, vr)
	if err != nil {
		t.Errorf("Encode(%q) under %v: %v", text, cs, err)
	} else if !bytes.Equal(got, want) {
		t.Errorf("Encode(%q) under %v\n got % x\nwant % x", text, cs, got, want)
	}
	dec, err := cs.Decode(want, vr)
	if err != nil {
		t.Errorf("Decode(% x) under %v: %v", want, cs, err)
	} else if dec != text {
		t.Errorf("Decode(% x) under %v = %q, want %q", want, cs, dec, text)
	}
}

func TestParseCharacterSet(t *testing.T) {
	cases := []struct {
		name   string
		terms  []string
		want   []string // Terms()
		str    string   // String()
		errStr string   // Term of the *UnsupportedCharsetError, if any
	}{
		{name: "nil", terms: nil, want: nil, str: "ISO_IR 6"},
		{name: "empty", terms: []string{""}, want: nil, str: "ISO_IR 6"},
		{name: "padded empty", terms: []string{" "}, want: nil, str: "ISO_IR 6"},
		{name: "explicit default", terms: []string{"ISO_IR 6"}, want: []string{"ISO_IR 6"}, str: "ISO_IR 6"},
		{name: "latin1", terms: []string{"ISO_IR 100"}, want: []string{"ISO_IR 100"}, str: "ISO_IR 100"},
		{name: "latin1 misspelt", terms: []string{"ISO IR 100"}, want: []string{"ISO_IR 100"}, str: "ISO_IR 100"},
		{name: "latin1 hyphen lower", terms: []string{"iso-ir 100 "}, want: []string{"ISO_IR 100"}, str: "ISO_IR 100"},
		{name: "utf8", terms: []string{"ISO_IR 192"}, want: []string{"ISO_IR 192"}, str: "ISO_IR 192"},
		{name: "gb18030", terms: []string{"GB18030"}, want: []string{"GB18030"}, str: "GB18030"},
		{name: "gbk", terms: []string{"GBK"}, want: []string{"GBK"}, str: "GBK"},
		{name: "japanese", terms: []string{"", "ISO 2022 IR 87"}, want: []string{"", "ISO 2022 IR 87"}, str: `\ISO 2022 IR 87`},
		{name: "japanese IR13", terms: []string{"ISO 2022 IR 13", "ISO 2022 IR 87"},
			want: []string{"ISO 2022 IR 13", "ISO 2022 IR 87"}, str: `ISO 2022 IR 13\ISO 2022 IR 87`},
		// A single-byte term without "2022" in a multi-valued set is taken
		// as its ISO 2022 counterpart.
		{name: "multi without 2022", terms: []string{"ISO_IR 100", "ISO_IR 126"},
			want: []string{"ISO 2022 IR 100", "ISO 2022 IR 126"}, str: `ISO 2022 IR 100\ISO 2022 IR 126`},
		// Stand-alone terms cannot take code extensions: what follows is
		// ignored, or they are dropped when not first.
		{name: "utf8 first", terms: []string{"ISO_IR 192", "ISO 2022 IR 100"}, want: []string{"ISO_IR 192"}, str: "ISO_IR 192"},
		{name: "gb18030 later", terms: []string{"ISO 2022 IR 100", "GB18030"}, want: []string{"ISO 2022 IR 100"}, str: "ISO 2022 IR 100"},
		{name: "empty later value", terms: []string{"", "", "ISO 2022 IR 149"}, want: []string{"", "ISO 2022 IR 149"}, str: `\ISO 2022 IR 149`},
		{name: "unknown", terms: []string{"ISO_IR 999"}, errStr: "ISO_IR 999"},
		{name: "not a DICOM term", terms: []string{"UTF-8"}, errStr: "UTF-8"},
		{name: "unknown extension", terms: []string{"", "ISO 2022 IR 999"}, errStr: "ISO 2022 IR 999"},
		{name: "koi8", terms: []string{"KOI8-R"}, errStr: "KOI8-R"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := ParseCharacterSet(tc.terms)
			if tc.errStr != "" {
				var ce *UnsupportedCharsetError
				if !errors.As(err, &ce) {
					t.Fatalf("got %v, %v; want *UnsupportedCharsetError", cs, err)
				}
				if ce.Term != tc.errStr {
					t.Errorf("Term = %q, want %q", ce.Term, tc.errStr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, cs.Terms()); diff != "" {
				t.Errorf("Terms() mismatch (-want +got):\n%s", diff)
			}
			if got := cs.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
		})
	}
}

// Every defined term without code extensions, and its ISO 2022 form, which
// reads the same bytes when no escape sequence occurs. The expected bytes
// were produced independently with Python's codecs.
func TestCharacterSetSingleByte(t *testing.T) {
	cases := []struct {
		term, text, hex string
	}{
		{"ISO_IR 6", "DUPONT^JEAN", "4455504f4e545e4a45414e"},
		{"ISO_IR 100", "Buc^Jérôme", "4275635e4ae972f46d65"},
		{"ISO_IR 101", "Łódź^Wałęsa", "a3f364bc5e5761b3ea7361"},
		{"ISO_IR 109", "Ġgantija^Ħamrun", "d567616e74696a615ea1616d72756e"},
		{"ISO_IR 110", "Ķekava^Ģirts", "d3656b6176615eab69727473"},
		{"ISO_IR 144", "Люксембург", "bbeedae1d5dcd1e3e0d3"},
		{"ISO_IR 127", "قباني^لنزار", "e2c8c7e6ea5ee4e6d2c7d1"},
		{"ISO_IR 126", "Διονυσιος", "c4e9efedf5f3e9eff2"},
		{"ISO_IR 138", "שרון^דבורה", "f9f8e5ef5ee3e1e5f8e4"},
		{"ISO_IR 148", "Şişli^Ağrı", "de69fe6c695e41f072fd"},
		{"ISO_IR 203", "Œuvre 5€", "bc757672652035a4"},
		{"ISO_IR 166", "สมชาย", "cac1aad2c2"},
		{"ISO_IR 13", "ﾔﾏﾀﾞ^ﾀﾛｳ", "d4cfc0de5ec0dbb3"},
	}
	for _, tc := range cases {
		want := csHex(t, tc.hex)
		t.Run(tc.term, func(t *testing.T) {
			csCheck(t, csParse(t, tc.term), PN, tc.text, want)
		})
		ext := strings.Replace(tc.term, "ISO_IR", "ISO 2022 IR", 1)
		t.Run(ext, func(t *testing.T) {
			csCheck(t, csParse(t, ext), PN, tc.text, want)
		})
	}
}

// The French names radkit handles daily must be written in Latin-1 under
// ISO_IR 100, not as UTF-8 bytes, and as UTF-8 under ISO_IR 192.
func TestCharacterSetFrenchNames(t *testing.T) {
	cases := []struct {
		term string
		vr   VR
		text string
		want []byte
	}{
		{"ISO_IR 100", PN, "Hélène", []byte("H\xe9l\xe8ne")},
		{"ISO_IR 100", LO, "Françoise Lefèvre-Dupré", []byte("Fran\xe7oise Lef\xe8vre-Dupr\xe9")},
		{"ISO_IR 100", PN, "Lefèvre^Hélène", []byte("Lef\xe8vre^H\xe9l\xe8ne")},
		{"ISO_IR 100", LT, "Cœur", nil}, // Œ/œ are not in Latin-1: error
		{"ISO_IR 203", LT, "Cœur", []byte("C\xbdur")},
		{"ISO_IR 192", PN, "Hélène", []byte("H\xc3\xa9l\xc3\xa8ne")},
		{"ISO_IR 192", LO, "Françoise Lefèvre-Dupré", []byte("Fran\xc3\xa7oise Lef\xc3\xa8vre-Dupr\xc3\xa9")},
		{"ISO_IR 192", PN, "Lefèvre^Hélène", []byte("Lef\xc3\xa8vre^H\xc3\xa9l\xc3\xa8ne")},
	}
	for _, tc := range cases {
		t.Run(tc.term+"/"+tc.text, func(t *testing.T) {
			cs := csParse(t, tc.term)
			if tc.want == nil {
				_, err := cs.Encode(tc.text, tc.vr)
				var ce *UnsupportedCharsetError
				if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "œ") {
					t.Fatalf("Encode(%q) error = %v, want *UnsupportedCharsetError naming œ", tc.text, err)
				}
				return
			}
			csCheck(t, cs, tc.vr, tc.text, tc.want)
		})
	}
}

// The examples of PS3.5 Annexes H to K, byte for byte. The PN examples end
// with a trailing '=' (an empty phonetic group) which is kept as written;
// the padding space some of them show is the caller's and left out.
func TestCharacterSetStandardExamples(t *testing.T) {
	const (
		j2Text = "The first line includes中文.\r\nThe second line includes中文, too.\r\nThe third line.\r\n"
		k3Text = "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n"
	)
	cases := []struct {
		name  string
		terms []string
		vr    VR
		text  string
		hex   string
	}{
		{"H.3.1 Japanese, value 1 ISO-IR 6", []string{"", "ISO 2022 IR 87"}, PN,
			"Yamada^Tarou=山田^太郎=やまだ^たろう",
			"59616d6164615e5461726f753d" + "1b2442 3b33 4544 1b2842 5e 1b2442 4240 4f3a 1b2842 3d" +
				"1b2442 2464 245e 2440 1b2842 5e 1b2442 243f 246d 2426 1b2842"},
		{"H.3.2 Japanese, value 1 ISO 2022 IR 13", []string{"ISO 2022 IR 13", "ISO 2022 IR 87"}, PN,
			"ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう",
			"d4cfc0de 5e c0dbb3 3d" + "1b2442 3b33 4544 1b284a 5e 1b2442 4240 4f3a 1b284a 3d" +
				"1b2442 2464 245e 2440 1b284a 5e 1b2442 243f 246d 2426 1b284a"},
		{"I.2 Korean", []string{"", "ISO 2022 IR 149"}, PN,
			"Hong^Gildong=洪^吉洞=홍^길동",
			"486f6e675e47696c646f6e673d" + "1b242943 fbf3 5e 1b242943 d1ced4d7 3d" +
				"1b242943 c8ab 5e 1b242943 b1e6b5bf"},
		{"J.1 UTF-8 PN", []string{"ISO_IR 192"}, PN,
			"Wang^XiaoDong=王^小東=",
			"57616e675e5869616f446f6e673d e7 8e 8b 5e e5 b0 8f e6 9d b1 3d"},
		{"J.2 UTF-8 LT", []string{"ISO_IR 192"}, LT, j2Text,
			"546865206669727374206c696e6520696e636c75646573 e4b8ad e69687 2e0d0a" +
				"546865207365636f6e64206c696e6520696e636c75646573 e4b8ad e69687 2c20746f6f2e0d0a" +
				"546865207468697264206c696e652e0d0a"},
		{"J.3 GB18030 PN", []string{"GB18030"}, PN,
			"Wang^XiaoDong=王^小东=",
			"57616e675e5869616f446f6e673d cdf5 5e d0a1 b6ab 3d"},
		{"J.4 GB18030 LT", []string{"GB18030"}, LT, j2Text,
			"546865206669727374206c696e6520696e636c75646573 d6d0 cec4 2e0d0a" +
				"546865207365636f6e64206c696e6520696e636c75646573 d6d0 cec4 2c20746f6f2e0d0a" +
				"546865207468697264206c696e652e0d0a"},
		// PS3.5 Annex J: the GB18030 examples use only characters common
		// to GBK, so they are GBK examples too.
		{"J.3 GBK PN", []string{"GBK"}, PN,
			"Wang^XiaoDong=王^小东=",
			"57616e675e5869616f446f6e673d cdf5 5e d0a1 b6ab 3d"},
		{"J.4 GBK LT", []string{"GBK"}, LT, j2Text,
			"546865206669727374206c696e6520696e636c75646573 d6d0 cec4 2e0d0a" +
				"546865207365636f6e64206c696e6520696e636c75646573 d6d0 cec4 2c20746f6f2e0d0a" +
				"546865207468697264206c696e652e0d0a"},
		{"K.2 GB2312 PN", []string{"", "ISO 2022 IR 58"}, PN,
			"Zhang^XiaoDong=张^小东=",
			"5a68616e675e5869616f446f6e673d 1b242941 d5c5 5e 1b242941 d0a1 b6ab 3d"},
		{"K.3 GB2312 LT", []string{"", "ISO 2022 IR 58"}, LT, k3Text,
			"312e 1b242941 b5dad2bbd0d0cec4d7d6a1a3 0d0a" +
				"322e 1b242941 b5dab6fed0d0cec4d7d6a1a3 0d0a" +
				"332e 1b242941 b5dac8fdd0d0cec4d7d6a1a3 0d0a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			csCheck(t, csParse(t, tc.terms...), tc.vr, tc.text, csHex(t, tc.hex))
		})
	}
}

// Encodings of the standard (or of its earlier editions) that are valid but
// not the ones Encode produces: they must decode to the same text, and
// our own encoding of that text must decode back to it.
func TestCharacterSetStandardVariants(t *testing.T) {
	cases := []struct {
		name   string
		terms  []string
		vr     VR
		hex    string
		text   string
		ourHex string // what Encode writes instead
	}{
		// Example I.3-1 designates KS X 1001 at the start of each line
		// that uses it; Encode designates it just before the first Hangul
		// character, as Example K.3-1 does for GB 2312. No single rule
		// gives both byte sequences.
		{"I.3 Korean LT", []string{"", "ISO 2022 IR 149"}, LT,
			"1b242943 54686520666972737420 6c696e6520696e636c7564657320 c7d1b1db 2e0d0a" +
				"1b242943 546865207365636f6e64206c696e6520696e636c7564657320 c7d1b1db 2c20746f6f2e0d0a" +
				"546865207468697264206c696e65",
			"The first line includes 한글.\r\nThe second line includes 한글, too.\r\nThe third line",
			"54686520666972737420 6c696e6520696e636c7564657320 1b242943 c7d1b1db 2e0d0a" +
				"546865207365636f6e64206c696e6520696e636c7564657320 1b242943 c7d1b1db 2c20746f6f2e0d0a" +
				"546865207468697264206c696e65"},
		// Example K.3-1 of PS3.5 2015c returned G0 to ASCII before each
		// CR LF although G0 never left ASCII; Encode writes no redundant
		// escape sequence (the current edition's bytes).
		{"K.3 2015c GB2312 LT", []string{"", "ISO 2022 IR 58"}, LT,
			"312e 1b242941 b5dad2bbd0d0cec4d7d6a1a3 1b2842 0d0a" +
				"322e 1b242941 b5dab6fed0d0cec4d7d6a1a3 1b2842 0d0a" +
				"332e 1b242941 b5dac8fdd0d0cec4d7d6a1a3 1b2842 0d0a",
			"1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n",
			"312e 1b242941 b5dad2bbd0d0cec4d7d6a1a3 0d0a" +
				"322e 1b242941 b5dab6fed0d0cec4d7d6a1a3 0d0a" +
				"332e 1b242941 b5dac8fdd0d0cec4d7d6a1a3 0d0a"},
		// ESC $ @ (JIS C 6226-1978) and ESC $ ( B designate JIS X 0208
		// too; Encode writes ESC $ B.
		{"JIS ESC $ @", []string{"", "ISO 2022 IR 87"}, PN,
			"1b2440 3b33 4544 1b2842", "山田", "1b2442 3b33 4544 1b2842"},
		{"JIS ESC $ ( B", []string{"", "ISO 2022 IR 87"}, PN,
			"1b242842 3b33 4544 1b2842", "山田", "1b2442 3b33 4544 1b2842"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := csParse(t, tc.terms...)
			got, err := cs.Decode(csHex(t, tc.hex), tc.vr)
			if err != nil || got != tc.text {
				t.Fatalf("Decode = %q, %v; want %q", got, err, tc.text)
			}
			csCheck(t, cs, tc.vr, tc.text, csHex(t, tc.ourHex))
		})
	}
}

// JIS X 0212 (ISO 2022 IR 159) alone and mixed with JIS X 0208: each
// character goes to the first declared set that has it.
func TestCharacterSetJISX0212(t *testing.T) {
	csCheck(t, csParse(t, "", "ISO 2022 IR 159"), LO, "丂", csHex(t, "1b242844 3021 1b2842"))
	csCheck(t, csParse(t, "", "ISO 2022 IR 87", "ISO 2022 IR 159"), LO, "山丂山",
		csHex(t, "1b2442 3b33 1b242844 3021 1b2442 3b33 1b2842"))
	csCheck(t, csParse(t, "ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 159"), LO, "ｱ 丂",
		csHex(t, "b1 20 1b242844 3021 1b284a"))
}

// Mixing several single-byte G1 sets, and single-byte with multi-byte.
func TestCharacterSetCodeExtensionsMixed(t *testing.T) {
	cases := []struct {
		name  string
		terms []string
		vr    VR
		text  string
		hex   string
	}{
		{"latin1 then greek", []string{"ISO 2022 IR 100", "ISO 2022 IR 126"}, LO,
			"Hélène Δ é", "48e96ce86e65 20 1b2d46 c4 20 1b2d41 e9"},
		{"greek first", []string{"ISO 2022 IR 126", "ISO 2022 IR 100", "ISO 2022 IR 144"}, LO,
			"ΔéЖ", "c4 1b2d41 e9 1b2d4c b6"},
		{"default then latin9 then cyrillic", []string{"", "ISO 2022 IR 203", "ISO 2022 IR 144"}, SH,
			"€5 Ж", "1b2d62 a4 35 20 1b2d4c b6"},
		{"latin1 and japanese", []string{"ISO 2022 IR 100", "ISO 2022 IR 87"}, PN,
			"Lefèvre^山田", "4c6566e8767265 5e 1b2442 3b33 4544 1b2842"},
		{"korean and chinese", []string{"", "ISO 2022 IR 149", "ISO 2022 IR 58"}, LO,
			"홍张", "1b242943 c8ab 1b242941 d5c5"},
		{"thai extension", []string{"", "ISO 2022 IR 166"}, LO,
			"A สม", "41 20 1b2d54 cac1"},
		{"katakana G1 with latin G0 romaji", []string{"ISO 2022 IR 13"}, SH, "ｱｲ", "b1b2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			csCheck(t, csParse(t, tc.terms...), tc.vr, tc.text, csHex(t, tc.hex))
		})
	}
}

// PS3.5 6.1.2.5.3: the delimiters return G0 and G1 to the sets of value 1.
// For PN those are '^', '=' and '\'; for other VRs CR, LF, FF, TAB, and
// '\' for the multi-valued ones (in LT, ST and UT it is a character).
func TestCharacterSetDelimiterResets(t *testing.T) {
	greek := []string{"ISO 2022 IR 100", "ISO 2022 IR 126"}
	korean := []string{"", "ISO 2022 IR 149"}
	japanese := []string{"", "ISO 2022 IR 87"}
	cases := []struct {
		name  string
		terms []string
		vr    VR
		hex   string
		want  string
	}{
		{"PN caret", greek, PN, "1b2d46 c4 5e c4", "Δ^Ä"},
		{"PN equals", greek, PN, "1b2d46 c4 3d c4", "Δ=Ä"},
		{"PN backslash", greek, PN, "1b2d46 c4 5c c4", `Δ\Ä`},
		{"PN no reset at space", greek, PN, "1b2d46 c4 20 c4", "Δ Δ"},
		{"LO backslash", greek, LO, "1b2d46 c4 5c c4", `Δ\Ä`},
		{"LO caret is a character", greek, LO, "1b2d46 c4 5e c4", "Δ^Δ"},
		{"LO tab", greek, LO, "1b2d46 c4 09 c4", "Δ\tÄ"},
		{"LT backslash is a character", greek, LT, "1b2d46 c4 5c c4", `Δ\Δ`},
		{"LT CR LF", greek, LT, "1b2d46 c4 0d0a c4", "Δ\r\nÄ"},
		{"LT FF", greek, LT, "1b2d46 c4 0c c4", "Δ\fÄ"},
		{"ST LF", greek, ST, "1b2d46 c4 0a c4", "Δ\nÄ"},
		// After the delimiter nothing is designated to G1 any more: the
		// high bytes are read leniently as Latin-1.
		{"Korean PN caret", korean, PN, "1b242943 c8ab 5e c8ab", "홍^È«"},
		// In a two-byte G0 set the bytes of '^' and '=' are halves of
		// characters, not delimiters.
		{"JIS pair holding caret", japanese, PN, "1b2442 245e 1b2842", "ま"},
		{"JIS LF resets", japanese, LT, "1b2442 245e 0a 245e", "ま\n$^"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := csParse(t, tc.terms...).Decode(csHex(t, tc.hex), tc.vr)
			if err != nil || got != tc.want {
				t.Errorf("Decode = %q, %v; want %q", got, err, tc.want)
			}
		})
	}

	// The encoder mirrors the decoder: G1 is designated again after a
	// delimiter and G0 returned to its initial set before it.
	enc := []struct {
		name  string
		terms []string
		vr    VR
		text  string
		hex   string
	}{
		{"PN re-designates after caret", greek, PN, "Δ^Δ", "1b2d46 c4 5e 1b2d46 c4"},
		{"LO keeps G1 across caret", greek, LO, "Δ^Δ", "1b2d46 c4 5e c4"},
		{"LO re-designates after backslash", greek, LO, `Δ\Δ`, "1b2d46 c4 5c 1b2d46 c4"},
		{"LT keeps G1 across backslash", greek, LT, `Δ\Δ`, "1b2d46 c4 5c c4"},
		{"LT re-designates after LF", greek, LT, "Δ\nΔ", "1b2d46 c4 0a 1b2d46 c4"},
		{"JIS back to ASCII before LF", japanese, LT, "山\n山", "1b2442 3b33 1b2842 0a 1b2442 3b33 1b2842"},
		{"JIS back to ASCII before space", japanese, LO, "山 山", "1b2442 3b33 1b2842 20 1b2442 3b33 1b2842"},
	}
	for _, tc := range enc {
		t.Run("encode/"+tc.name, func(t *testing.T) {
			csCheck(t, csParse(t, tc.terms...), tc.vr, tc.text, csHex(t, tc.hex))
		})
	}
}

// Reading never fails on bytes that disagree with the character set.
func TestCharacterSetLenientDecoding(t *testing.T) {
	cases := []struct {
		name  string
		terms []string
		vr    VR
		in    string
		want  string
	}{
		// French systems often write Latin-1 without (0008,0005).
		{"default repertoire Latin-1", nil, PN, "Buc^J\xe9r\xf4me", "Buc^Jérôme"},
		{"default repertoire C1", nil, LO, "a\x85b", "a\u0085b"},
		{"explicit ISO_IR 6 Latin-1", []string{"ISO_IR 6"}, PN, "H\xe9l\xe8ne", "Hélène"},
		{"default with code extensions", []string{"", "ISO 2022 IR 87"}, LO, "\xe9", "é"},
		// VRs outside the specific character set are ASCII, high bytes
		// read as Latin-1 whatever the set.
		{"CS under UTF-8", []string{"ISO_IR 192"}, CS, "CAF\xc9", "CAFÉ"},
		{"AE under JIS", []string{"", "ISO 2022 IR 87"}, AE, "\x1b$B;3", "\x1b$B;3"},
		{"UI padding kept", []string{"ISO_IR 100"}, UI, "1.2\x00", "1.2\x00"},
		// Invalid UTF-8 becomes U+FFFD, one per bad byte.
		{"UTF-8 invalid byte", []string{"ISO_IR 192"}, PN, "Caf\xe9", "Caf\uFFFD"},
		{"UTF-8 truncated", []string{"ISO_IR 192"}, LO, "\xe4\xb8", "\uFFFD\uFFFD"},
		{"GB18030 truncated", []string{"GB18030"}, LO, "a\x81", "a\uFFFD"},
		{"GBK invalid", []string{"GBK"}, LO, "\xff", "\uFFFD"},
		{"Arabic undefined byte", []string{"ISO_IR 127"}, LO, "\xa1", "\uFFFD"},
		{"katakana undefined byte", []string{"ISO_IR 13"}, LO, "\xe0", "\uFFFD"},
		{"Thai undefined byte", []string{"ISO_IR 166"}, LO, "\xfc", "\uFFFD"},
		{"KS X 1001 lone byte", []string{"", "ISO 2022 IR 149"}, LO, "\x1b$)C\xb1", "\uFFFD"},
		{"JIS lone byte", []string{"", "ISO 2022 IR 87"}, LO, "\x1b$B;", "\uFFFD"},
		// Escape sequences: honoured even when undeclared, kept as text
		// when unknown, and ordinary bytes without code extensions.
		{"undeclared escape", []string{"ISO 2022 IR 100"}, LO, "\x1b-F\xc4", "Δ"},
		{"unknown escape", []string{"", "ISO 2022 IR 87"}, LO, "\x1b%Gab", "\x1b%Gab"},
		{"truncated escape", []string{"", "ISO 2022 IR 87"}, LO, "a\x1b$", "a\x1b$"},
		{"no code extensions", []string{"ISO_IR 100"}, LO, "\x1b-F\xc4", "\x1b-FÄ"},
		{"empty", []string{"ISO_IR 192"}, PN, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := csParse(t, tc.terms...).Decode([]byte(tc.in), tc.vr)
			if err != nil || got != tc.want {
				t.Errorf("Decode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	t.Run("nil and zero CharacterSet", func(t *testing.T) {
		for _, cs := range []*CharacterSet{nil, {}} {
			got, err := cs.Decode([]byte("J\xe9r\xf4me"), PN)
			if err != nil || got != "Jérôme" {
				t.Errorf("%#v.Decode = %q, %v", cs, got, err)
			}
			if b, err := cs.Encode("JEROME", PN); err != nil || string(b) != "JEROME" {
				t.Errorf("%#v.Encode = %q, %v", cs, b, err)
			}
			if _, err := cs.Encode("Jérôme", PN); err == nil {
				t.Errorf("%#v.Encode(non-ASCII) succeeded", cs)
			}
		}
	})
}

func TestCharacterSetEncodeErrors(t *testing.T) {
	cases := []struct {
		name   string
		terms  []string
		vr     VR
		text   string
		term   string // want Term
		reason string // substring of Reason
	}{
		{"default repertoire", nil, PN, "Hélène", "ISO_IR 6", "é"},
		{"default repertoire advice", nil, PN, "Hélène", "ISO_IR 6", "(0008,0005)"},
		{"latin1 kanji", []string{"ISO_IR 100"}, PN, "Dupont^山", "ISO_IR 100", "山"},
		{"latin1 euro", []string{"ISO_IR 100"}, LO, "5€", "ISO_IR 100", "U+20AC"},
		{"CS under latin1", []string{"ISO_IR 100"}, CS, "É", "ISO_IR 100", "É"},
		{"JIS without katakana set", []string{"", "ISO 2022 IR 87"}, PN, "ﾔ", `\ISO 2022 IR 87`, "ﾔ"},
		{"korean without katakana set", []string{"", "ISO 2022 IR 149"}, PN, "ﾔﾏﾀﾞ", `\ISO 2022 IR 149`, "ﾔ"},
		{"katakana only", []string{"ISO_IR 13"}, PN, "やまだ", "ISO_IR 13", "や"},
		{"GBK emoji", []string{"GBK"}, LO, "a😀", "GBK", "😀"},
		{"ESC under code extensions", []string{"", "ISO 2022 IR 87"}, LO, "a\x1b(Bb", `\ISO 2022 IR 87`, "ESC"},
		{"invalid UTF-8", []string{"ISO_IR 192"}, LO, "a\xffb", "ISO_IR 192", "UTF-8"},
		{"replacement char in latin1", []string{"ISO_IR 100"}, LO, "\uFFFD", "ISO_IR 100", "U+FFFD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := csParse(t, tc.terms...).Encode(tc.text, tc.vr)
			var ce *UnsupportedCharsetError
			if !errors.As(err, &ce) {
				t.Fatalf("Encode(%q) = % x, %v; want *UnsupportedCharsetError", tc.text, b, err)
			}
			if ce.Term != tc.term || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("error %+v: want Term %q and Reason containing %q", ce, tc.term, tc.reason)
			}
		})
	}
}

// Text that every listed set can hold round-trips through each of them.
func TestCharacterSetRoundTrip(t *testing.T) {
	cases := []struct {
		terms []string
		vr    VR
		text  string
	}{
		{[]string{"ISO 2022 IR 100", "ISO 2022 IR 126", "ISO 2022 IR 144", "ISO 2022 IR 138"}, LT,
			"Hélène, Διονυσιος\r\nЛюксембург \\ שרון"},
		{[]string{"", "ISO 2022 IR 87", "ISO 2022 IR 159", "ISO 2022 IR 13"}, PN,
			"ﾔﾏﾀﾞ^ﾀﾛｳ=山田^丂=やまだ^たろう"},
		{[]string{"", "ISO 2022 IR 149", "ISO 2022 IR 58", "ISO 2022 IR 100"}, LO,
			`홍길동 张小东 Hélène\洪`},
		{[]string{"GB18030"}, UT, "À€𠀀 中文 Hélène \uFFFD"},
		{[]string{"ISO_IR 192"}, UC, "Zoé 😀 \uFFFD"},
	}
	for _, tc := range cases {
		cs := csParse(t, tc.terms...)
		b, err := cs.Encode(tc.text, tc.vr)
		if err != nil {
			t.Errorf("Encode(%q) under %v: %v", tc.text, cs, err)
			continue
		}
		if got, err := cs.Decode(b, tc.vr); err != nil || got != tc.text {
			t.Errorf("under %v: Decode(Encode(%q)) = %q, %v (bytes % x)", cs, tc.text, got, err, b)
		}
	}
}

// Through the Dataset accessors, which call Decode and Encode.
func TestCharacterSetDataset(t *testing.T) {
	ds := NewDataset()
	if err := ds.SetStrings(TagSpecificCharacterSet, CS, "", "ISO 2022 IR 87"); err != nil {
		t.Fatal(err)
	}
	name := "Yamada^Tarou=山田^太郎=やまだ^たろう"
	if err := ds.SetStrings(TagPatientName, PN, name); err != nil {
		t.Fatal(err)
	}
	want := "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B"
	if got := string(ds.Get(TagPatientName).Value); strings.TrimRight(got, " ") != want {
		t.Errorf("value = %q, want %q", got, want)
	}
	if got := ds.String(TagPatientName); got != name {
		t.Errorf("String = %q, want %q", got, name)
	}
}

// pydicomScript prints, for each file of pydicom's charset test data, the
// Specific Character Set in effect and, for each PN, LO, SH, LT, ST, UT
// and UC element (in sequence items too), the raw value bytes and
// pydicom's decoded values. ok is false when pydicom warned while
// decoding (it then substitutes characters).
const pydicomScript = `
import glob, json, os, sys, warnings
import pydicom
from pydicom.multival import MultiValue
d = os.path.join(os.path.dirname(pydicom.__file__), "data", "charset_files")
TEXT = {"PN", "LO", "SH", "LT", "ST", "UT", "UC"}
def terms(ds, inherited):
    if 0x00080005 not in ds:
        return inherited
    raw = ds.get_item(0x00080005).value
    if isinstance(raw, bytes):
        raw = raw.decode("ascii")
    elif not isinstance(raw, str):
        raw = "\\".join(raw)
    raw = raw.strip(" \x00")
    return [t.strip() for t in raw.split("\\")] if raw else []
def walk(ds, inherited, path, out):
    cs = terms(ds, inherited)
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)
        rawval = raw.value if isinstance(raw.value, bytes) else None
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            elem = ds[tag]
            val = elem.value
        if elem.VR == "SQ":
            for i, item in enumerate(val):
                walk(item, cs, path + ["%08X[%d]" % (int(tag), i)], out)
            continue
        if elem.VR not in TEXT or rawval is None:
            continue
        if val is None or val == "":
            vals = []
        elif isinstance(val, (list, MultiValue)):
            vals = [str(v) for v in val]
        else:
            vals = [str(val)]
        out.append({"path": "/".join(path + ["%08X" % int(tag)]), "vr": elem.VR,
                    "charset": cs, "raw": rawval.hex(), "values": vals, "ok": not w})
res = []
for f in sorted(glob.glob(os.path.join(d, "*.dcm"))):
    ds = pydicom.dcmread(f, force=True)
    out = []
    walk(ds, [], [], out)
    res.append({"file": os.path.basename(f), "elements": out})
json.dump(res, sys.stdout)
`

type pydicomCharsetFile struct {
	File     string `json:"file"`
	Elements []struct {
		Path    string   `json:"path"`
		VR      string   `json:"vr"`
		Charset []string `json:"charset"`
		Raw     string   `json:"raw"`
		Values  []string `json:"values"`
		OK      bool     `json:"ok"`
	} `json:"elements"`
}

// csPython finds a python3 that can import pydicom: the one on PATH may be
// a virtual environment or pyenv shim without Debian's python3-pydicom.
func csPython() (string, string) {
	var why []string
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			why = append(why, p+": "+err.Error())
			continue
		}
		if out, err := exec.Command(path, "-c", "import pydicom").CombinedOutput(); err != nil {
			why = append(why, path+": "+strings.TrimSpace(string(out)))
			continue
		}
		return path, ""
	}
	return "", strings.Join(why, "; ")
}

// TestCharacterSetAgreesWithPydicom decodes the elements of pydicom's
// character set test files and compares with pydicom's own decoding, then
// re-encodes them and compares with the file's bytes.
func TestCharacterSetAgreesWithPydicom(t *testing.T) {
	python, why := csPython()
	if python == "" {
		if os.Getenv("RADKIT_INTEGRATION") == "require" {
			t.Fatalf("RADKIT_INTEGRATION=require but no python3 with pydicom: %s", why)
		}
		t.Skipf("python3 with pydicom not available (install python3-pydicom): %s", why)
	}
	cmd := exec.Command(python, "-c", pydicomScript)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pydicom script: %v\n%s", err, stderr.String())
	}
	var files []pydicomCharsetFile
	if err := json.Unmarshal(out, &files); err != nil {
		t.Fatalf("pydicom output: %v", err)
	}
	if len(files) < 10 {
		t.Fatalf("pydicom listed only %d charset files", len(files))
	}
	checked := 0
	nonASCII := map[string]bool{}
	for _, f := range files {
		for _, e := range f.Elements {
			name := f.File + "/" + e.Path
			if !e.OK {
				t.Logf("%s: pydicom could not decode it, skipped", name)
				continue
			}
			raw, err := hex.DecodeString(e.Raw)
			if err != nil {
				t.Fatal(err)
			}
			vr := NewVR(e.VR)
			cs, err := ParseCharacterSet(e.Charset)
			if err != nil {
				t.Errorf("%s: ParseCharacterSet(%q): %v", name, e.Charset, err)
				continue
			}
			got, err := cs.Decode(raw, vr)
			if err != nil {
				t.Errorf("%s: Decode: %v", name, err)
				continue
			}
			checked++
			for _, r := range got {
				if r >= 0x80 {
					nonASCII[f.File] = true
				}
			}
			// Split and trim as Dataset.Strings does.
			var vals []string
			if trimmed := strings.Trim(got, " \x00"); trimmed != "" {
				if vr.multiValued() {
					vals = strings.Split(got, `\`)
				} else {
					vals = []string{got}
				}
				for i, v := range vals {
					switch vr {
					case LT, ST, UT:
						vals[i] = strings.TrimRight(v, " \x00")
					default:
						vals[i] = strings.Trim(v, " \x00")
					}
				}
			}
			want := e.Values
			if vr == PN {
				// Deliberate difference: pydicom drops trailing empty
				// component groups ("Wang^XiaoDong=王^小東=" becomes
				// "...小東"); Decode returns the value as written, so the
				// trailing '=' of chrX1 and chrX2 (PS3.5 J.1, J.3) stays.
				want = append([]string(nil), want...)
				for i := range want {
					if i < len(vals) && strings.TrimRight(vals[i], "=") == want[i] {
						want[i] = vals[i]
					}
				}
			}
			if diff := cmp.Diff(want, vals, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (%s, %q): decoded values differ from pydicom (-pydicom +ours):\n%s", name, e.VR, e.Charset, diff)
			}

			enc, err := cs.Encode(strings.TrimRight(got, " \x00"), vr)
			if err != nil {
				t.Errorf("%s: Encode(%q): %v", name, got, err)
				continue
			}
			wantRaw := bytes.TrimRight(raw, " \x00")
			if f.File == "chrKoreanMulti.dcm" {
				// Deliberate difference: this file returns G0 to ASCII
				// (ESC ( B) after its Korean text although only G1 was
				// ever changed; Encode writes no redundant escape
				// sequence, as in PS3.5 Example I.2-1.
				wantRaw = bytes.ReplaceAll(wantRaw, []byte("\x1b(B"), nil)
			}
			if strings.HasPrefix(f.File, "chrSQEncoding") && len(e.Charset) > 0 && e.Charset[0] == "ISO 2022 IR 13" {
				// Deliberate difference: pydicom wrote these files and
				// returns G0 to ASCII (ESC ( B) after JIS X 0208, where
				// PS3.5 Example H.3-2 (chrH32.dcm) returns it to value
				// 1's ISO-IR 14 (ESC ( J). Both read the same; Encode
				// follows the standard.
				wantRaw = bytes.ReplaceAll(wantRaw, []byte("\x1b(B"), []byte("\x1b(J"))
			}
			if !bytes.Equal(enc, wantRaw) {
				t.Errorf("%s (%s, %q): Encode(%q)\n got % x\nwant % x", name, e.VR, e.Charset, got, enc, wantRaw)
			}
		}
	}
	// Guard against a script that silently stopped seeing the interesting
	// files.
	for _, f := range []string{"chrArab.dcm", "chrFren.dcm", "chrGerm.dcm", "chrGreek.dcm", "chrH31.dcm",
		"chrH32.dcm", "chrHbrw.dcm", "chrI2.dcm", "chrKoreanMulti.dcm", "chrRuss.dcm",
		"chrSQEncoding.dcm", "chrX1.dcm", "chrX2.dcm"} {
		if !nonASCII[f] {
			t.Errorf("%s: no non-ASCII value was compared", f)
		}
	}
	t.Logf("compared %d elements of %d files", checked, len(files))
}
