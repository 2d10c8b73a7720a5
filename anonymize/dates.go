package anonymize

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dummy values by VR, for the D action: valid for their VR, obviously not
// real, identical in every file so they carry nothing.
const (
	dummyText = "ANONYMIZED"
	dummyDA   = "19000101"
	dummyTM   = "000000"
	dummyDT   = "19000101000000"
)

// shiftDA moves a DA value (or a range "A-B", or the old "YYYY.MM.DD")
// back by days. ok is false when the value is not a date, in which case
// the caller replaces it by a dummy: an unparsable date may still be a
// date to a human.
func shiftDA(v string, days int) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	if a, b, isRange := strings.Cut(v, "-"); isRange {
		var sa, sb string
		if a != "" {
			var ok bool
			if sa, ok = shiftDA(a, days); !ok {
				return "", false
			}
		}
		if b != "" {
			var ok bool
			if sb, ok = shiftDA(b, days); !ok {
				return "", false
			}
		}
		return sa + "-" + sb, true
	}
	v = strings.ReplaceAll(v, ".", "")
	t, err := time.Parse("20060102", v)
	if err != nil {
		return "", false
	}
	return t.AddDate(0, 0, -days).Format("20060102"), true
}

// shiftDT moves a DT value back by days, keeping its precision, time of
// day and UTC offset: the shift is a whole number of days, so TM values
// need no change and every interval (between dates, between date-times,
// within a day) is preserved.
func shiftDT(v string, days int) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	if a, b, isRange := strings.Cut(v, "-"); isRange && !looksLikeOffset(v) {
		sa, oka := shiftDT(a, days)
		sb, okb := shiftDT(b, days)
		if !oka || !okb {
			return "", false
		}
		return sa + "-" + sb, true
	}
	body, offset := v, ""
	if i := strings.IndexAny(v, "+-"); i >= 0 {
		body, offset = v[:i], v[i:]
	}
	if len(body) < 4 {
		return "", false
	}
	for _, c := range body {
		if (c < '0' || c > '9') && c != '.' {
			return "", false
		}
	}
	y, _ := strconv.Atoi(body[:4])
	mo, d := 7, 1 // a year alone shifts from mid-year, a month from its first day
	if len(body) >= 6 {
		mo, _ = strconv.Atoi(body[4:6])
		if len(body) >= 8 {
			d, _ = strconv.Atoi(body[6:8])
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -days)
	var date string
	switch {
	case len(body) == 4:
		date = fmt.Sprintf("%04d", t.Year())
	case len(body) < 8:
		date = fmt.Sprintf("%04d%02d", t.Year(), t.Month())
	default:
		date = t.Format("20060102") + body[8:]
	}
	return date + offset, true
}

// looksLikeOffset reports whether the only '-' of a DT is a UTC offset
// (YYYYMMDDHHMMSS-0500) rather than a range separator.
func looksLikeOffset(v string) bool {
	i := strings.LastIndex(v, "-")
	if strings.Count(v, "-") != 1 || i < 0 {
		return false
	}
	rest := v[i+1:]
	if len(rest) != 4 {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return i >= 8
}

// coarsenAge rounds an Age String down to a 5-year band, capped at 090Y;
// ages in days, weeks or months become 000Y.
func coarsenAge(v string) string {
	v = strings.TrimSpace(v)
	if len(v) != 4 {
		return "000Y"
	}
	n, err := strconv.Atoi(v[:3])
	if err != nil || v[3] != 'Y' {
		return "000Y"
	}
	n = n / 5 * 5
	if n > 90 {
		n = 90
	}
	return fmt.Sprintf("%03dY", n)
}
