package dimse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/radkit/radkit/dicomio"
)

// maxMetaLen caps the file meta information read from a file to send.
const maxMetaLen = 64 << 10

// part10Header returns the preamble, "DICM" and file meta information
// that turn a data set received in transfer syntax ts into a Part 10
// stream. It is built here, not with dicomio.File.Write, because Write
// would also start the body (a deflate stream for the deflated syntax)
// while the body is the received bytes, passed through untouched.
func part10Header(sopClass, sopInstance, ts, sourceAE string) []byte {
	var meta []byte
	add := func(el uint16, vr string, val []byte) {
		meta = binary.LittleEndian.AppendUint16(meta, 0x0002)
		meta = binary.LittleEndian.AppendUint16(meta, el)
		meta = append(meta, vr...)
		if vr == "OB" {
			meta = append(meta, 0, 0)
			meta = binary.LittleEndian.AppendUint32(meta, uint32(len(val)))
		} else {
			meta = binary.LittleEndian.AppendUint16(meta, uint16(len(val)))
		}
		meta = append(meta, val...)
	}
	add(0x0001, "OB", []byte{0, 1})
	add(0x0002, "UI", padded(sopClass, 0))
	add(0x0003, "UI", padded(sopInstance, 0))
	add(0x0010, "UI", padded(ts, 0))
	add(0x0012, "UI", padded(dicomio.ImplementationClassUID, 0))
	add(0x0013, "SH", padded(dicomio.ImplementationVersionName, ' '))
	if sourceAE != "" {
		add(0x0016, "AE", padded(sourceAE, ' '))
	}
	out := make([]byte, 128, 128+4+12+len(meta))
	out = append(out, "DICM"...)
	out = append(out, 0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	return append(out, meta...)
}

// instance is a Part 10 stream split into its file meta information and
// a reader positioned at the first byte of the data set.
type instance struct {
	SOPClass, SOPInstance, TransferSyntax string
	body                                  io.Reader
}

// splitPart10 reads the preamble and file meta information of a Part 10
// stream without reading ahead into the data set, so the body can be sent
// byte for byte.
func splitPart10(r io.Reader) (*instance, error) {
	in, err := splitMeta(r)
	if err != nil {
		return nil, err
	}
	if in.SOPClass == "" || in.SOPInstance == "" || in.TransferSyntax == "" {
		return nil, fmt.Errorf("dimse: file meta information lacks the SOP class, instance or transfer syntax: %w", dicomio.ErrMalformed)
	}
	return in, nil
}

// splitMeta is splitPart10 without the check that the meta information
// names an instance.
func splitMeta(r io.Reader) (*instance, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head := make([]byte, 132, 1024)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, fmt.Errorf("dimse: %w: %v", dicomio.ErrNotDICOM, err)
	}
	if string(head[128:]) != "DICM" {
		return nil, fmt.Errorf("dimse: %w: no DICM prefix (a Part 10 file is required)", dicomio.ErrNotDICOM)
	}
	for {
		p, err := br.Peek(8)
		if err != nil || binary.LittleEndian.Uint16(p) != 0x0002 {
			break
		}
		n := 8 + int(binary.LittleEndian.Uint16(p[6:]))
		switch string(p[4:6]) {
		case "OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV", "SV", "UV":
			q, err := br.Peek(12)
			if err != nil {
				return nil, fmt.Errorf("dimse: file meta information: %w", dicomio.ErrTruncated)
			}
			l := binary.LittleEndian.Uint32(q[8:])
			if l > maxMetaLen {
				return nil, fmt.Errorf("dimse: file meta information: %w", dicomio.ErrLimit)
			}
			n = 12 + int(l)
		}
		if len(head)+n > maxMetaLen {
			return nil, fmt.Errorf("dimse: file meta information over %d bytes: %w", maxMetaLen, dicomio.ErrLimit)
		}
		start := len(head)
		head = append(head, make([]byte, n)...)
		if _, err := io.ReadFull(br, head[start:]); err != nil {
			return nil, fmt.Errorf("dimse: file meta information: %w", dicomio.ErrTruncated)
		}
	}
	f, err := dicomio.ReadMeta(bytes.NewReader(head))
	if err != nil {
		return nil, err
	}
	in := &instance{
		SOPClass:       f.Meta.String(dicomio.TagMediaStorageSOPClassUID),
		SOPInstance:    f.Meta.String(dicomio.TagMediaStorageSOPInstanceUID),
		TransferSyntax: f.Meta.String(dicomio.TagTransferSyntaxUID),
		body:           br,
	}
	return in, nil
}
