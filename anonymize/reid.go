package anonymize

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"

	"github.com/radkit/radkit/dicomio"
	"github.com/radkit/radkit/internal/atomicfile"
)

// ReidRecord links a de-identified object back to its original
// identifiers. It exists only sealed (see [OpenReidentification]); its
// LogValue redacts it.
type ReidRecord struct {
	PatientName       string `json:"patient_name,omitempty"`
	PatientID         string `json:"patient_id,omitempty"`
	IssuerOfPatientID string `json:"issuer_of_patient_id,omitempty"`
	INS               string `json:"ins,omitempty"`
	PatientBirthDate  string `json:"patient_birth_date,omitempty"`
	AccessionNumber   string `json:"accession_number,omitempty"`
	StudyInstanceUID  string `json:"study_instance_uid,omitempty"`
	SeriesInstanceUID string `json:"series_instance_uid,omitempty"`
	SOPInstanceUID    string `json:"sop_instance_uid,omitempty"`

	Pseudonym           string `json:"pseudonym"`
	NewStudyInstanceUID string `json:"new_study_instance_uid,omitempty"`
	NewSOPInstanceUID   string `json:"new_sop_instance_uid,omitempty"`
	DateShiftDays       int    `json:"date_shift_days"`
}

// LogValue redacts the record.
func (r ReidRecord) LogValue() slog.Value { return slog.StringValue("REDACTED_REIDENTIFICATION") }

func reidRecord(ds *dicomio.Dataset, p PatientRef) *ReidRecord {
	return &ReidRecord{
		PatientName:       ds.String(tagPatientName),
		PatientID:         p.PatientID,
		IssuerOfPatientID: p.IssuerOfPatientID,
		INS:               p.INS,
		PatientBirthDate:  ds.String(tagPatientBirthDate),
		AccessionNumber:   p.AccessionNumber,
		StudyInstanceUID:  p.StudyInstanceUID,
		SeriesInstanceUID: ds.String(dicomio.TagSeriesInstanceUID),
		SOPInstanceUID:    ds.String(dicomio.TagSOPInstanceUID),
	}
}

// reidAAD binds a sealed record to its purpose, so that a blob sealed for
// something else under the same key does not open as a record.
var reidAAD = []byte("radkit anonymize reidentification v1")

func sealReid(key []byte, r *ReidRecord) ([]byte, error) {
	plain, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, reidAAD), nil
}

// ErrReidentification means a sealed record did not open: wrong key or
// altered data.
var ErrReidentification = errors.New("anonymize: re-identification record does not open (wrong key or altered data)")

// OpenReidentification opens a record sealed in [Report.Reidentification]
// with the re-identification key (AES-256-GCM: nonce, then ciphertext and
// tag).
func OpenReidentification(key, sealed []byte) (ReidRecord, error) {
	var r ReidRecord
	block, err := aes.NewCipher(key)
	if err != nil {
		return r, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return r, err
	}
	if len(sealed) < gcm.NonceSize()+gcm.Overhead() {
		return r, ErrReidentification
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], reidAAD)
	if err != nil {
		return r, ErrReidentification
	}
	if err := json.Unmarshal(plain, &r); err != nil {
		return r, ErrReidentification
	}
	return r, nil
}

func writeAtomic(path string, fn func(io.Writer) error) error {
	return atomicfile.WriteFile(path, 0o644, fn)
}
