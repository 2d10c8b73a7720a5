package dicomio

// VR is a DICOM value representation, stored as its two ASCII characters.
type VR uint16

// NewVR builds a VR from its two-letter code.
func NewVR(s string) VR {
	if len(s) != 2 {
		return 0
	}
	return VR(uint16(s[0])<<8 | uint16(s[1]))
}

func vrOf(a, b byte) VR { return VR(uint16(a)<<8 | uint16(b)) }

// The value representations of PS3.5 Table 6.2-1.
var (
	AE = NewVR("AE")
	AS = NewVR("AS")
	AT = NewVR("AT")
	CS = NewVR("CS")
	DA = NewVR("DA")
	DS = NewVR("DS")
	DT = NewVR("DT")
	FD = NewVR("FD")
	FL = NewVR("FL")
	IS = NewVR("IS")
	LO = NewVR("LO")
	LT = NewVR("LT")
	OB = NewVR("OB")
	OD = NewVR("OD")
	OF = NewVR("OF")
	OL = NewVR("OL")
	OV = NewVR("OV")
	OW = NewVR("OW")
	PN = NewVR("PN")
	SH = NewVR("SH")
	SL = NewVR("SL")
	SQ = NewVR("SQ")
	SS = NewVR("SS")
	ST = NewVR("ST")
	SV = NewVR("SV")
	TM = NewVR("TM")
	UC = NewVR("UC")
	UI = NewVR("UI")
	UL = NewVR("UL")
	UN = NewVR("UN")
	UR = NewVR("UR")
	US = NewVR("US")
	UT = NewVR("UT")
	UV = NewVR("UV")
)

// String returns the two-letter code, or "??" for an invalid VR.
func (v VR) String() string {
	a, b := byte(v>>8), byte(v)
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return "??"
	}
	return string([]byte{a, b})
}

// Valid reports whether v is one of the VRs of PS3.5.
func (v VR) Valid() bool {
	switch v {
	case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW,
		PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV:
		return true
	}
	return false
}

// longHeader reports whether an explicit-VR element of this VR has the
// 12-byte header (2 reserved bytes and a 32-bit length), PS3.5 Table 7.1-1.
func (v VR) longHeader() bool {
	switch v {
	case OB, OD, OF, OL, OV, OW, SQ, SV, UC, UN, UR, UT, UV:
		return true
	}
	return false
}

// IsString reports whether values of v are character strings, which are
// encoded under the Specific Character Set (or ASCII) and padded with spaces
// (NUL for UI).
func (v VR) IsString() bool {
	switch v {
	case AE, AS, CS, DA, DS, DT, IS, LO, LT, PN, SH, ST, TM, UC, UI, UR, UT:
		return true
	}
	return false
}

// usesCharset reports whether v's text is encoded under the Specific
// Character Set rather than the default repertoire (PS3.5 6.1.2.3).
func (v VR) usesCharset() bool {
	switch v {
	case LO, LT, PN, SH, ST, UC, UT:
		return true
	}
	return false
}

// multiValued reports whether the backslash separates values of v.
func (v VR) multiValued() bool {
	switch v {
	case LT, ST, UT, UR:
		return false
	}
	return v.IsString()
}

// IsBinary reports whether values of v are bytes or numbers whose
// representation depends on the byte order; they are never trimmed.
func (v VR) IsBinary() bool {
	return !v.IsString() && v != SQ
}

// wordSize is the size in bytes of one number of v, for byte swapping; 1 for
// bytes and strings.
func (v VR) wordSize() int {
	switch v {
	case US, SS, OW, AT:
		return 2
	case UL, SL, FL, OF, OL:
		return 4
	case FD, OD, SV, UV, OV:
		return 8
	}
	return 1
}

// padByte is the byte that pads a value of v to an even length.
func (v VR) padByte() byte {
	switch {
	case v == UI:
		return 0
	case v.IsString():
		return ' '
	}
	return 0
}
