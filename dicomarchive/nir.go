package dicomarchive

import (
	"fmt"
	"strconv"
	"strings"
)

// NormalizeNIR checks a NIR (numéro d'inscription au répertoire, the
// matricule of an INS-NIR) and returns it without spaces, upper case. The
// checks, in order: 15 characters once spaces are removed; sex digit 1 or
// 2 (7 or 8 for a temporary number); two-digit year; month 01-12, or
// 20-42 and 50-99 (the codes used when the month is unknown); département
// of two digits or 2A/2B (Corsica); commune and order digits; and the key,
// 97 − (number mod 97), computed with 2A read as 19 and 2B as 18. The
// error is a [*NIRError] naming the first failed check.
func NormalizeNIR(s string) (string, error) {
	n := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	bad := func(reason string) (string, error) { return "", &NIRError{Input: s, Reason: reason} }
	if len(n) != 15 {
		return bad(fmt.Sprintf("%d characters, want 13 digits and a 2-digit key", len(n)))
	}
	switch n[0] {
	case '1', '2', '7', '8':
	default:
		return bad(fmt.Sprintf("sex digit %q, want 1 or 2 (7 or 8 for a temporary number)", n[0]))
	}
	if !digits(n[1:3]) {
		return bad(fmt.Sprintf("birth year %q is not two digits", n[1:3]))
	}
	if !digits(n[3:5]) {
		return bad(fmt.Sprintf("birth month %q is not two digits", n[3:5]))
	}
	if m, _ := strconv.Atoi(n[3:5]); m == 0 || (m > 12 && m < 20) || (m > 42 && m < 50) {
		return bad(fmt.Sprintf("birth month %q is not 01-12 nor an unknown-month code (20-42, 50-99)", n[3:5]))
	}
	dept := n[5:7]
	if !digits(dept) && dept != "2A" && dept != "2B" {
		return bad(fmt.Sprintf("département %q is neither two digits nor 2A/2B", dept))
	}
	if !digits(n[7:13]) {
		return bad(fmt.Sprintf("commune and order number %q are not digits", n[7:13]))
	}
	if !digits(n[13:]) {
		return bad(fmt.Sprintf("key %q is not two digits", n[13:]))
	}
	if want := nirKey(n[:13]); want != n[13:] {
		return bad(fmt.Sprintf("key %s does not match the number (expected %s)", n[13:], want))
	}
	return n, nil
}

// nirKey computes the key of a 13-character NIR body.
func nirKey(body string) string {
	switch body[5:7] {
	case "2A":
		body = body[:5] + "19" + body[7:]
	case "2B":
		body = body[:5] + "18" + body[7:]
	}
	v, err := strconv.ParseUint(body, 10, 64)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%02d", 97-v%97)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
