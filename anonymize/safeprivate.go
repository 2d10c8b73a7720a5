package anonymize

import (
	"strconv"
	"strings"
)

// safePrivateRows is PS3.15 Table E.3.10-1 "Safe Private Attributes"
// (https://dicom.nema.org/medical/dicom/current/output/chtml/part15/sect_E.3.10.html):
// the private attributes the standard lists as holding no identifying
// information, one row per private creator and group, with the element
// offsets (the xx of (gggg,xxee)) in hexadecimal.
//
// The publication has no machine-readable form. The rows are those of
// two transcriptions of it: GDCM 3.0's of the edition current in 2024,
// the one Table E.1-1 comes from (see [ProfileEdition]), and one of the
// 2017 edition, whose rows PixelMed's list confirms (GE, Siemens MR,
// Philips MR, PET and ultrasound, Hologic, Lorad, NeuroQuant, Elscint).
// Where they differ on a row, a row given by two of the three is taken
// (ELSCINT1 (00E1,xx50)); blocks only PixelMed lists, which it vets
// beyond the table, are left out, since keeping a private attribute is
// the unsafe direction.
var safePrivateRows = []struct {
	creator string
	group   uint16
	offsets string
}{
	{"ELSCINT1", 0x00E1, "21 50"},
	{"ELSCINT1", 0x01E1, "26"},
	{"ELSCINT1", 0x01F1, "01 07 26 27"},
	{"GEIIS PACS", 0x0903, "10 11 12"},
	{"GEMS_ACQU_01", 0x0019, "23 24 27 9E"},
	{"GEMS_HELIOS_01", 0x0045, "01 02"},
	{"GEMS_PARM_01", 0x0043, "27 39 6F"},
	{"GEMS_SENO_02", 0x0045, "06 1B 20 27 29 2A 2B 49 58 59 60 61 64 71 72 90 A0 A1 A2 A4 A7 A8"},
	{"GEMS_SERS_01", 0x0025, "07"},
	{"HOLOGIC, Inc.", 0x0019, "06 07 08 16 25 26 27 28 29 30 31 32 33 34 35 37 40 41 42 43 44 45 46 50 51 52 53 60 61 62 70 71 80 85 87 89 8A 90 97 98"},
	{"HOLOGIC, Inc.", 0x7E01, "01 02 10 11 12"},
	{"HOLOGIC, Inc.", 0x7F01, "01 02 10 11 12"},
	{"LORAD Selenia", 0x0019, "06 07 08 16 26 27 28 29 30 31 32 33 34 35 37 40 41 50 51 52 53 60 70 71 80 90"},
	{"NQHeader", 0x0099, "01 02 04 05 10 20 21"},
	{"NQLeft", 0x0199, "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16"},
	{"NQRight", 0x0299, "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16"},
	{"Philips Imaging DD 001", 0x2001, "01 02 03 04 05 06 07 08 09 0A 0B 0C 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F " +
		"21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2E 2F 30 31 32 33 34 35 36 37 38 39 3A 3B 3C 3D 3E 3F " +
		"40 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 51 53 54 55 56 57 58 59 5A 5D 5E 5F " +
		"60 61 62 63 64 65 66 67 68 69 6A 6B 6D 6E 6F 71 72 73 74 75 76 77 79 7A 7B 7C 7D 7E 7F " +
		"80 81 82 83 84 85 86 87 88 89 8A 8B 8C 90 91 92 93 94 9A 9B 9D 9F A1 A2 A3 A4 A5 " +
		"C0 C1 C2 C3 C5 C6 C7 CA CB D0 D1 D2 D3 D4 D5 D6 D7 D8 D9 DA DB DC DD DE DF E9 " +
		"F1 F2 F3 F4 F5 F6 F7 F9 FB FC FD FF"},
	{"Philips Imaging DD 002", 0x2001, "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F " +
		"20 21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2E 2F 30 31 32 33 34 35 36 37 38 39 3A 3B 3C 3D 3E 3F " +
		"40 50 52 53 57 58 5A 5C 5D 5E 5F 63 64 65 66 67 68 6B 71 72 73 74 75"},
	{"Philips Imaging DD 097", 0x2001, "01 02 03 04 05 06 07 08 0A 0B 0D 0E 0F 12 17 18 19 1A 1B 1C 1D 1E 1F " +
		"21 22 23 24 25 26 27 28 2A 2B 2C 2D 2E 2F 30 31 32 36 37 38 39 3A 3B 3C 3D 3E " +
		"40 41 42 44 45 46 47 49 4A 4B 4C A1 A2 A3 A4 A5 A6 A8 A9 AA AB"},
	{"Philips Imaging DD 129", 0x2001, "00 01 02 03 04 05 06 07 08 09"},
	{"Philips MR Imaging DD 001", 0x2005, "0D 0E"},
	{"Philips PET Private Group", 0x7053, "00 09"},
	{"Philips ST80i", 0x0025, "01"},
	{"Philips US Imaging DD 023", 0x200D, "45"},
	{"Philips US Imaging DD 033", 0x200D, "00 01 02 03 04 05 06 07 08 0D 0F 10 11 14 21"},
	{"Philips US Imaging DD 034", 0x200D, "01 02 03 04 05 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 17 18 1B 1C 1D 1E 1F 20 21 22 23 24 25 26 27 28"},
	{"Philips US Imaging DD 035", 0x200D, "01 03 04 07 08 09 0A 0C 0D"},
	{"Philips US Imaging DD 036", 0x200D, "15 16 17 18 19 20"},
	{"Philips US Imaging DD 038", 0x200D, "01 02 03 04"},
	{"Philips US Imaging DD 039", 0x200D, "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 15"},
	{"Philips US Imaging DD 040", 0x200D, "01 02 03 04 05 06 07 20"},
	{"Philips US Imaging DD 042", 0x200D, "15 16 20 30 31 40 50 51 52 53 54 55 56 57 58 59 5A 5B 5C 5D 5E 5F 60 70 71 72 73 74 75 76 77 78 8C"},
	{"Philips US Imaging DD 045", 0x200D, "F1 F3 F4 F5 F6 F8 FA FB"},
	{"Philips US Imaging DD 046", 0x200D, "17"},
	{"Philips US Imaging DD 048", 0x200D, "01"},
	{"Philips US Imaging DD 065", 0x200D, "07"},
	{"Philips US Imaging DD 066", 0x200D, "00 01 03 04"},
	{"SIEMENS MR HEADER", 0x0019, "0C 0D 0E 27"},
	{"SIEMENS SYNGO ULTRA-SOUND TOYON DATA STREAMING", 0x7FD1, "01 09 10 11"},
	{"SIEMENS Ultrasound SC2000", 0x0119, "00 01 02 03 04 05 06 07 08 09 10 11 12 13 21"},
	{"SIEMENS Ultrasound SC2000", 0x0129, "00 02 03 04 05 06 07 08 09 10 11 12 20 21 22 29 30"},
	{"SIEMENS Ultrasound SC2000", 0x0139, "01"},
	{"SIEMENS Ultrasound SC2000", 0x0149, "01 02 03"},
	{"SIEMENS Ultrasound SC2000", 0x7FD1, "01 09 10 11"},
}

// radkitSafePrivate is radkit's own private block written by radkit synth:
// the generator's name and a numeric flag, no identity by construction.
var radkitSafePrivate = []PrivateTag{
	{"RADKIT SYNTH 1.0", 0x0029, 0x10},
	{"RADKIT SYNTH 1.0", 0x0029, 0x13},
}

// DefaultSafePrivate returns the private attributes kept under Retain Safe
// Private when Options.SafePrivate is nil: every row of PS3.15 Table
// E.3.10-1 (see safePrivateRows for the edition and how it was checked)
// and radkit's own synthetic block. A kept attribute is still examined:
// text holding one of the object's identifying values is replaced,
// UIDs are remapped and the items of a sequence are de-identified (see
// [Anonymizer]).
func DefaultSafePrivate() []PrivateTag {
	out := make([]PrivateTag, 0, 800)
	for _, r := range safePrivateRows {
		for _, o := range strings.Fields(r.offsets) {
			v, err := strconv.ParseUint(o, 16, 8)
			if err != nil {
				continue // a typo in the table above; TestSafePrivateTable fails on it
			}
			out = append(out, PrivateTag{Creator: r.creator, Group: r.group, Offset: uint8(v)})
		}
	}
	return append(out, radkitSafePrivate...)
}
