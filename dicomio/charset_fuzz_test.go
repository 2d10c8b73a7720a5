package dicomio

import "testing"

// FuzzCharsetDecode checks that Decode never panics and that whatever
// Decode reads and Encode can write reads back the same.
func FuzzCharsetDecode(f *testing.F) {
	// The Specific Character Set values and VRs the fuzz arguments
	// pick from.
	fuzzCharsets := [][]string{
		nil,
		{"ISO_IR 100"}, {"ISO_IR 101"}, {"ISO_IR 109"}, {"ISO_IR 110"}, {"ISO_IR 144"},
		{"ISO_IR 127"}, {"ISO_IR 126"}, {"ISO_IR 138"}, {"ISO_IR 148"}, {"ISO_IR 203"},
		{"ISO_IR 166"}, {"ISO_IR 13"},
		{"ISO_IR 192"}, {"GB18030"}, {"GBK"},
		{"", "ISO 2022 IR 87"},
		{"ISO 2022 IR 13", "ISO 2022 IR 87"},
		{"", "ISO 2022 IR 87", "ISO 2022 IR 159"},
		{"", "ISO 2022 IR 149"},
		{"", "ISO 2022 IR 58"},
		{"ISO 2022 IR 100", "ISO 2022 IR 126", "ISO 2022 IR 144", "ISO 2022 IR 138"},
		{"ISO 2022 IR 6", "ISO 2022 IR 101", "ISO 2022 IR 109", "ISO 2022 IR 110", "ISO 2022 IR 127"},
		{"ISO 2022 IR 148", "ISO 2022 IR 203", "ISO 2022 IR 166", "ISO 2022 IR 13"},
		{"", "ISO 2022 IR 149", "ISO 2022 IR 58", "ISO 2022 IR 87", "ISO 2022 IR 159", "ISO 2022 IR 100"},
	}

	fuzzVRs := []VR{PN, LO, SH, LT, ST, UT, UC, CS, AE, UI}
	seeds := []struct {
		cs, vr int
		b      string
	}{
		{0, 0, "Buc^J\xe9r\xf4me"},
		{1, 0, "Lef\xe8vre^H\xe9l\xe8ne"},
		{2, 1, "\xa3\xf3d\xbc^Wa\xb3\xeasa"},
		{3, 1, "\xd5gantija^\xa1amrun"},
		{4, 1, "\xd3ekava^\xabirts"},
		{5, 0, "\xbb\xee\xda\xe1\xd5\xdc\xd1\xe3\xe0\xd3"},
		{6, 0, "\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1"},
		{7, 0, "\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2"},
		{8, 0, "\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4"},
		{9, 2, "\xdei\xfeli^A\xf0r\xfd"},
		{10, 3, "\xbcuvre 5\xa4"},
		{11, 3, "\xca\xc1\xaa\xd2\xc2\xa0\xfc"},
		{12, 0, "\xd4\xcf\xc0\xde^\xc0\xdb\xb3\xe0"},
		{13, 0, "Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1=\xff"},
		{14, 0, "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=\x81\x30\x86\x38\x81"},
		{15, 5, "The first line includes\xd6\xd0\xce\xc4.\r\n\x80\xff"},
		{16, 0, "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B"},
		{17, 0, "\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J"},
		{18, 1, "\x1b$B;3\x1b$(D0!\x1b(B\x1b$@;3\x1b$(B;3"},
		{18, 1, "\x1b$B;"},
		{19, 0, "Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf"},
		{20, 3, "1.\x1b$)A\xb5\xda\xd2\xbb\xd0\xd0\xce\xc4\xd7\xd6\xa1\xa3\r\n2.\x1b$)A\xb5\xda\xb6\xfe\x1b(B\r\n"},
		{21, 3, "H\xe9\x1b-F\xc4\\\xc4\r\n\xc4\x1b-L\xb6\x1b-H\xf9\x1b%G\x1b"},
		{22, 1, "\x1b-B\xa3\x1b-C\xa1\x1b-D\xab\x1b-G\xe2\\\xe2\x85"},
		{23, 0, "\x1b-M\xde\x1b-b\xa4\x1b-T\xca\x1b)I\xb1^\xb1"},
		{24, 6, "\x1b$)C\xc8\xab\x1b$)A\xd5\xc5\x1b$B;3\x1b$(D0!\x1b-A\xe9\x1b(J\\"},
		{0, 7, "CAF\xc9"},
		{13, 8, "\xe9\x00"},
		{16, 9, "1.2.3\x00"},
	}
	for _, s := range seeds {
		f.Add(uint8(s.cs), uint8(s.vr), []byte(s.b))
	}
	f.Fuzz(func(t *testing.T, csi, vri uint8, b []byte) {
		terms := fuzzCharsets[int(csi)%len(fuzzCharsets)]
		vr := fuzzVRs[int(vri)%len(fuzzVRs)]
		cs, err := ParseCharacterSet(terms)
		if err != nil {
			t.Fatalf("ParseCharacterSet(%q): %v", terms, err)
		}
		s, err := cs.Decode(b, vr)
		if err != nil {
			return
		}
		enc, err := cs.Encode(s, vr)
		if err != nil {
			return
		}
		s2, err := cs.Decode(enc, vr)
		if err != nil {
			t.Fatalf("Decode of re-encoded % x failed: %v", enc, err)
		}
		if s2 != s {
			t.Fatalf("under %v %v: Decode(% x) = %q, Encode = % x, decodes to %q", cs, vr, b, s, enc, s2)
		}
	})
}
