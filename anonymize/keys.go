package anonymize

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"math/big"
	"strings"
	"unicode"
)

// keys are the secrets derived from Options.Key, one per use, so that
// knowing one output (a UID) says nothing about another (a date shift).
type keys struct {
	uid, patient, shift []byte
}

func deriveKeys(master []byte) keys {
	d := func(label string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte("radkit/anonymize/v1/" + label))
		return m.Sum(nil)
	}
	return keys{uid: d("uid"), patient: d("patient"), shift: d("date-shift")}
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// uidFromMAC turns 16 bytes of a MAC into a UUID-derived UID (PS3.5 B.2,
// "2.25." and the decimal value of a UUID), setting the version (8,
// custom, RFC 9562) and variant bits so the value is a well-formed UUID.
// The result is at most 44 characters.
func uidFromMAC(sum []byte) string {
	var u [16]byte
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0F | 0x80
	u[8] = u[8]&0x3F | 0x80
	return "2.25." + new(big.Int).SetBytes(u[:]).String()
}

// mapUID returns the keyed replacement of a UID. Padding and blanks are
// ignored so that "1.2.3" and "1.2.3\x00" map alike.
func (k *keys) mapUID(uid string) string {
	uid = strings.TrimRight(uid, "\x00 ")
	return uidFromMAC(mac(k.uid, uid))
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// LinkageID returns the keyed linkage identifier of a patient identifier:
// "RK" and 16 base32 characters of HMAC-SHA256(key, domain, id), where id
// is normalised (upper case, blanks removed) so that "1 42 10 2A 247 650 52"
// and "142102A24765052" link. It is the pseudonym of the research profile
// and the scheme for the screening exports to Santé publique France: two
// exports made with the same key carry the same identifier for the same
// person, and nobody without the key can compute it from a NIR.
func LinkageID(key []byte, id string) string {
	k := deriveKeys(key)
	return linkageID(k.patient, normaliseID(id))
}

func linkageID(patientKey []byte, normalisedID string) string {
	return "RK" + b32.EncodeToString(mac(patientKey, "linkage", normalisedID)[:10])
}

func normaliseID(id string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == 0 {
			return -1
		}
		return unicode.ToUpper(r)
	}, id)
}

// shiftDays returns the per-patient date shift: a number of days in
// [1, maxDays], to subtract from every date of the patient.
func (k *keys) shiftDays(patient string, maxDays int) int {
	s := mac(k.shift, patient)
	return 1 + int(binary.BigEndian.Uint64(s[:8])%uint64(maxDays))
}
