package transfer

import (
	"encoding/base64"
	"sort"
	"strings"
)

// Metadata is the tus Upload-Metadata of an upload: keys to values. Values
// may be empty (the key then travels without a value, as tus 1.0 allows).
type Metadata map[string]string

// maxMetadataLen bounds the Upload-Metadata header a parser accepts, so a
// hostile header cannot make the receiver allocate without limit.
const maxMetadataLen = 64 << 10

// EncodeMetadata renders m as an Upload-Metadata header value: pairs sorted
// by key (so that the header is deterministic), values base64-encoded, a
// key with an empty value sent alone. Keys must be non-empty and contain
// neither spaces nor commas; invalid keys are rejected with ErrProtocol
// rather than silently dropped, because a dropped digest key would disable
// the receiver's end-to-end check.
func EncodeMetadata(m Metadata) (string, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !validMetadataKey(k) {
			return "", newError(CodeProtocol, 0, "invalid metadata key", nil)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		if v := m[k]; v != "" {
			b.WriteByte(' ')
			b.WriteString(base64.StdEncoding.EncodeToString([]byte(v)))
		}
	}
	return b.String(), nil
}

// ParseMetadata parses an Upload-Metadata header value. It accepts what tus
// clients send in practice (spaces around pairs, keys without value) and
// rejects malformed pairs, duplicate keys, invalid base64 and headers over
// 64 KiB with ErrProtocol: the header comes from an untrusted peer.
func ParseMetadata(h string) (Metadata, error) {
	m := Metadata{}
	if strings.TrimSpace(h) == "" {
		return m, nil
	}
	if len(h) > maxMetadataLen {
		return nil, newError(CodeProtocol, 0, "Upload-Metadata too long", nil)
	}
	for pair := range strings.SplitSeq(h, ",") {
		pair = strings.TrimSpace(pair)
		k, v, hasValue := strings.Cut(pair, " ")
		if !validMetadataKey(k) {
			return nil, newError(CodeProtocol, 0, "invalid Upload-Metadata key", nil)
		}
		if _, dup := m[k]; dup {
			return nil, newError(CodeProtocol, 0, "duplicate Upload-Metadata key", nil)
		}
		if !hasValue {
			m[k] = ""
			continue
		}
		v = strings.TrimSpace(v)
		dec, err := base64.StdEncoding.DecodeString(v)
		if err != nil || strings.ContainsAny(v, " \t") {
			return nil, newError(CodeProtocol, 0, "invalid Upload-Metadata value", err)
		}
		m[k] = string(dec)
	}
	return m, nil
}

func validMetadataKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c == ',' || c >= 0x7f {
			return false
		}
	}
	return true
}
