package dicomio

import "fmt"

// Tag is a DICOM attribute tag: the group in the high 16 bits, the element
// number in the low 16 bits, so that tags sort in file order.
type Tag uint32

// NewTag returns the tag (group,element).
func NewTag(group, element uint16) Tag { return Tag(uint32(group)<<16 | uint32(element)) }

// Group is the tag's group number.
func (t Tag) Group() uint16 { return uint16(t >> 16) }

// Element is the tag's element number.
func (t Tag) Element() uint16 { return uint16(t) }

// IsPrivate reports whether t belongs to an odd (private) group.
func (t Tag) IsPrivate() bool { return t.Group()%2 == 1 && t.Group() > 0x0008 }

// IsPrivateCreator reports whether t is a private creator element
// (gggg,0010-00FF) of an odd group.
func (t Tag) IsPrivateCreator() bool {
	return t.IsPrivate() && t.Element() >= 0x0010 && t.Element() <= 0x00FF
}

// IsGroupLength reports whether t is a group length element (gggg,0000).
func (t Tag) IsGroupLength() bool { return t.Element() == 0 }

// String formats t as "(gggg,eeee)" in upper-case hexadecimal, as PS3.6 does.
func (t Tag) String() string { return fmt.Sprintf("(%04X,%04X)", t.Group(), t.Element()) }

// Tags that the I/O layer itself interprets. Other tags are looked up in the
// data dictionary ([LookupTag], [TagByKeyword]).
const (
	TagFileMetaInformationGroupLength Tag = 0x00020000
	TagFileMetaInformationVersion     Tag = 0x00020001
	TagMediaStorageSOPClassUID        Tag = 0x00020002
	TagMediaStorageSOPInstanceUID     Tag = 0x00020003
	TagTransferSyntaxUID              Tag = 0x00020010
	TagImplementationClassUID         Tag = 0x00020012
	TagImplementationVersionName      Tag = 0x00020013
	TagSourceApplicationEntityTitle   Tag = 0x00020016

	TagSpecificCharacterSet Tag = 0x00080005
	TagSOPClassUID          Tag = 0x00080016
	TagSOPInstanceUID       Tag = 0x00080018
	TagStudyInstanceUID     Tag = 0x0020000D
	TagSeriesInstanceUID    Tag = 0x0020000E
	TagPatientName          Tag = 0x00100010
	TagPatientID            Tag = 0x00100020
	TagModality             Tag = 0x00080060

	TagSamplesPerPixel           Tag = 0x00280002
	TagPhotometricInterpretation Tag = 0x00280004
	TagPlanarConfiguration       Tag = 0x00280006
	TagNumberOfFrames            Tag = 0x00280008
	TagRows                      Tag = 0x00280010
	TagColumns                   Tag = 0x00280011
	TagBitsAllocated             Tag = 0x00280100
	TagBitsStored                Tag = 0x00280101
	TagHighBit                   Tag = 0x00280102
	TagPixelRepresentation       Tag = 0x00280103

	TagExtendedOffsetTable        Tag = 0x7FE00001
	TagExtendedOffsetTableLengths Tag = 0x7FE00002
	TagFloatPixelData             Tag = 0x7FE00008
	TagDoubleFloatPixelData       Tag = 0x7FE00009
	TagPixelData                  Tag = 0x7FE00010

	TagItem                     Tag = 0xFFFEE000
	TagItemDelimitationItem     Tag = 0xFFFEE00D
	TagSequenceDelimitationItem Tag = 0xFFFEE0DD
	TagDataSetTrailingPadding   Tag = 0xFFFCFFFC
)
