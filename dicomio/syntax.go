package dicomio

// Transfer Syntax UIDs that the data-set layer distinguishes (PS3.5 10 and
// PS3.6 Annex A).
const (
	ImplicitVRLittleEndian         = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian         = "1.2.840.10008.1.2.1"
	DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian            = "1.2.840.10008.1.2.2"
	RLELossless                    = "1.2.840.10008.1.2.5"
	JPEGBaseline8Bit               = "1.2.840.10008.1.2.4.50"
	JPEGExtended12Bit              = "1.2.840.10008.1.2.4.51"
	JPEGLossless                   = "1.2.840.10008.1.2.4.57"
	JPEGLosslessSV1                = "1.2.840.10008.1.2.4.70"
	JPEGLSLossless                 = "1.2.840.10008.1.2.4.80"
	JPEGLSNearLossless             = "1.2.840.10008.1.2.4.81"
	JPEG2000Lossless               = "1.2.840.10008.1.2.4.90"
	JPEG2000                       = "1.2.840.10008.1.2.4.91"
)

// TransferSyntax is how a data set is encoded: VR explicit or implicit,
// byte order, deflate, and whether pixel data is encapsulated.
type TransferSyntax struct {
	UID          string
	Name         string
	ExplicitVR   bool
	BigEndian    bool
	Deflated     bool
	Encapsulated bool
}

// encapsulatedSyntaxes are the standard transfer syntaxes whose data set is
// explicit VR little endian with encapsulated pixel data (PS3.5 A.4).
var encapsulatedSyntaxes = map[string]string{
	JPEGBaseline8Bit:          "JPEG Baseline (Process 1)",
	JPEGExtended12Bit:         "JPEG Extended (Process 2 & 4)",
	"1.2.840.10008.1.2.4.52":  "JPEG Extended (Process 3 & 5) (Retired)",
	"1.2.840.10008.1.2.4.53":  "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (Retired)",
	"1.2.840.10008.1.2.4.54":  "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9) (Retired)",
	"1.2.840.10008.1.2.4.55":  "JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (Retired)",
	"1.2.840.10008.1.2.4.56":  "JPEG Full Progression, Non-Hierarchical (Process 11 & 13) (Retired)",
	JPEGLossless:              "JPEG Lossless, Non-Hierarchical (Process 14)",
	"1.2.840.10008.1.2.4.58":  "JPEG Lossless, Non-Hierarchical (Process 15) (Retired)",
	JPEGLosslessSV1:           "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
	JPEGLSLossless:            "JPEG-LS Lossless Image Compression",
	JPEGLSNearLossless:        "JPEG-LS Lossy (Near-Lossless) Image Compression",
	JPEG2000Lossless:          "JPEG 2000 Image Compression (Lossless Only)",
	JPEG2000:                  "JPEG 2000 Image Compression",
	"1.2.840.10008.1.2.4.92":  "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.93":  "JPEG 2000 Part 2 Multi-component Image Compression",
	"1.2.840.10008.1.2.4.100": "MPEG2 Main Profile / Main Level",
	"1.2.840.10008.1.2.4.101": "MPEG2 Main Profile / High Level",
	"1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264 High Profile / Level 4.1",
	"1.2.840.10008.1.2.4.103": "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
	"1.2.840.10008.1.2.4.104": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
	"1.2.840.10008.1.2.4.105": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
	"1.2.840.10008.1.2.4.106": "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
	"1.2.840.10008.1.2.4.107": "HEVC/H.265 Main Profile / Level 5.1",
	"1.2.840.10008.1.2.4.108": "HEVC/H.265 Main 10 Profile / Level 5.1",
	"1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
	"1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000 Image Compression",
	"1.2.840.10008.1.2.4.204": "JPIP HTJ2K Referenced",
	RLELossless:               "RLE Lossless",
	"1.2.840.10008.1.2.1.98":  "Encapsulated Uncompressed Explicit VR Little Endian",
	"1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
	"1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
	"1.2.840.10008.1.2.4.112": "JPEG XL",
	"1.2.840.10008.1.2.6.1":   "RFC 2557 MIME encapsulation (Retired)",
	"1.2.840.10008.1.2.4.94":  "JPIP Referenced",
	"1.2.840.10008.1.2.4.95":  "JPIP Referenced Deflate",
}

// LookupTransferSyntax describes the transfer syntax uid. An unknown or
// private UID gives an [*UnsupportedTransferSyntaxError]: its data set
// encoding cannot be known, so guessing would risk silent corruption.
func LookupTransferSyntax(uid string) (TransferSyntax, error) {
	switch uid {
	case ImplicitVRLittleEndian:
		return TransferSyntax{UID: uid, Name: "Implicit VR Little Endian"}, nil
	case ExplicitVRLittleEndian:
		return TransferSyntax{UID: uid, Name: "Explicit VR Little Endian", ExplicitVR: true}, nil
	case DeflatedExplicitVRLittleEndian:
		return TransferSyntax{UID: uid, Name: "Deflated Explicit VR Little Endian", ExplicitVR: true, Deflated: true}, nil
	case ExplicitVRBigEndian:
		return TransferSyntax{UID: uid, Name: "Explicit VR Big Endian (Retired)", ExplicitVR: true, BigEndian: true}, nil
	case "1.2.840.10008.1.2.4.95":
		return TransferSyntax{UID: uid, Name: encapsulatedSyntaxes[uid], ExplicitVR: true, Deflated: true}, nil
	case "1.2.840.10008.1.2.4.94", "1.2.840.10008.1.2.4.204":
		return TransferSyntax{UID: uid, Name: encapsulatedSyntaxes[uid], ExplicitVR: true}, nil
	}
	if name, ok := encapsulatedSyntaxes[uid]; ok && name != "" {
		return TransferSyntax{UID: uid, Name: name, ExplicitVR: true, Encapsulated: true}, nil
	}
	return TransferSyntax{}, &UnsupportedTransferSyntaxError{UID: uid, Reason: "unknown or private transfer syntax"}
}
