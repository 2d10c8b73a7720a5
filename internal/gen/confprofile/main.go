// Command confprofile generates the de-identification action table of
// package anonymize from PS3.15 Table E.1-1 as extracted by the
// innolitics/dicom-standard project.
//
// Usage (from anonymize/generate.go):
//
//	go run ../internal/gen/confprofile -in ../../shared/dicom-standard/confidentiality_profile_attributes.json -out profile_gen.go
//
// The input is a JSON array with one object per row of Table E.1-1: tag
// "(gggg,eeee)" (x for a repeating digit, or the text of the private
// attributes row), name, stdCompIOD (Y/N), basicProfile (the action code of
// the Basic Profile) and one field per option column where the option
// changes the action (rtnSafePrivOpt ... cleanGraphOpt). The value
// representation of each row is joined from attributes.json (the PS3.6
// dictionary) beside the input, because the engine resolves the
// type-dependent codes (X/D, X/Z/D ...) by VR. The edition is read from
// README.md beside the input (or given with -edition) and recorded in the
// const ProfileEdition.
//
// The generator fails on anything it does not understand (an unknown action
// code, an option value other than K or C, a duplicate or overlapping tag)
// rather than guess: a silently wrong row is a privacy leak.
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "confprofile:", err)
		os.Exit(1)
	}
}

// optionFields are the JSON fields of the option columns, in the order of
// the anonymize.Option bits.
var optionFields = []string{
	"rtnSafePrivOpt",
	"rtnUIDsOpt",
	"rtnDevIdOpt",
	"rtnInstIdOpt",
	"rtnPatCharsOpt",
	"rtnLongFullDatesOpt",
	"rtnLongModifDatesOpt",
	"cleanDescOpt",
	"cleanStructContOpt",
	"cleanGraphOpt",
}

var basicCodes = map[string]bool{
	"D": true, "Z": true, "X": true, "K": true, "C": true, "U": true,
	"X/Z": true, "X/D": true, "X/Z/D": true, "Z/D": true, "X/Z/U*": true,
}

const privateRowTag = "(GGGG,EEEE) WHERE GGGG IS ODD"

func run(args []string) error {
	fs := flag.NewFlagSet("confprofile", flag.ContinueOnError)
	in := fs.String("in", "", "PS3.15 Table E.1-1 JSON `file`")
	dict := fs.String("dict", "", "PS3.6 attributes.json `file` (default: beside -in)")
	out := fs.String("out", "profile_gen.go", "output Go `file`")
	pkg := fs.String("pkg", "anonymize", "package name of the output")
	edition := fs.String("edition", "", "edition of the standard (default: read from README.md beside -in)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || fs.NArg() != 0 {
		return errors.New("usage: confprofile -in confidentiality_profile_attributes.json -out profile_gen.go")
	}
	if *dict == "" {
		*dict = filepath.Join(filepath.Dir(*in), "attributes.json")
	}
	ed := *edition
	if ed == "" {
		readme, err := os.ReadFile(filepath.Join(filepath.Dir(*in), "README.md"))
		if err != nil {
			return fmt.Errorf("reading the edition: %w (or pass -edition)", err)
		}
		if ed, err = parseEdition(string(readme)); err != nil {
			return err
		}
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	draw, err := os.ReadFile(*dict)
	if err != nil {
		return err
	}
	vrs, err := parseDict(draw)
	if err != nil {
		return fmt.Errorf("%s: %w", *dict, err)
	}
	rows, priv, err := parse(raw, vrs)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	src := filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(*in)), filepath.Base(*in)))
	code, err := generate(*pkg, src, ed, rows, priv)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, code, 0o644)
}

var editionRE = regexp.MustCompile(`snapshot\s+of\s+(\d{4}-\d{2}-\d{2})\s+\(commit\s+([0-9a-f]+)\),\s+which\s+parsed\s+the\s+(\d{4}[a-e]?)\s+edition`)

func parseEdition(readme string) (string, error) {
	m := editionRE.FindStringSubmatch(readme)
	if m == nil {
		return "", errors.New("README.md does not state the edition (\"snapshot of DATE (commit HASH), which parsed the YEAR edition\"); pass -edition")
	}
	return fmt.Sprintf("PS3.15 %s edition, Table E.1-1 (innolitics/dicom-standard snapshot of %s, commit %s)", m[3], m[1], m[2]), nil
}

type row struct {
	value, mask uint32
	name        string
	vr          string
	stdIOD      bool
	basic       string
	opts        []byte // one per optionFields: '.', 'K' or 'C'
}

func parseDict(raw []byte) (map[string]string, error) {
	var attrs []struct {
		Tag string `json:"tag"`
		VR  string `json:"valueRepresentation"`
	}
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m[strings.ToUpper(a.Tag)] = a.VR
	}
	return m, nil
}

func parse(raw []byte, vrs map[string]string) ([]row, row, error) {
	var recs []map[string]string
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, row{}, err
	}
	if len(recs) == 0 {
		return nil, row{}, errors.New("no rows")
	}
	known := map[string]bool{"tag": true, "name": true, "stdCompIOD": true, "basicProfile": true, "id": true}
	for _, f := range optionFields {
		known[f] = true
	}
	var rows []row
	var priv row
	havePriv := false
	for i, rec := range recs {
		for k := range rec {
			if !known[k] {
				return nil, row{}, fmt.Errorf("row %d: unknown field %q", i, k)
			}
		}
		r := row{name: cleanName(rec["name"]), basic: rec["basicProfile"], stdIOD: rec["stdCompIOD"] == "Y"}
		if !basicCodes[r.basic] {
			return nil, row{}, fmt.Errorf("row %d %s: unknown action code %q", i, rec["tag"], r.basic)
		}
		for _, f := range optionFields {
			switch v := rec[f]; v {
			case "":
				r.opts = append(r.opts, '.')
			case "K", "C":
				r.opts = append(r.opts, v[0])
			default:
				return nil, row{}, fmt.Errorf("row %d %s: option %s has %q, want K or C", i, rec["tag"], f, v)
			}
		}
		if rec["tag"] == privateRowTag {
			priv, havePriv = r, true
			continue
		}
		v, m, err := parseTag(rec["tag"])
		if err != nil {
			return nil, row{}, fmt.Errorf("row %d: %w", i, err)
		}
		r.value, r.mask = v, m
		r.vr = vrs[strings.ToUpper(rec["tag"])]
		rows = append(rows, r)
	}
	if !havePriv {
		return nil, row{}, errors.New("no private attributes row")
	}
	if err := check(rows); err != nil {
		return nil, row{}, err
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.value, b.value) })
	return rows, priv, nil
}

// cleanName drops the note references the extraction kept ("Icon Image
// Sequence\n\n(see Note 11)").
func cleanName(s string) string {
	if i := strings.Index(s, "\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func parseTag(s string) (value, mask uint32, err error) {
	if len(s) != 11 || s[0] != '(' || s[5] != ',' || s[10] != ')' {
		return 0, 0, fmt.Errorf("malformed tag %q", s)
	}
	for _, c := range s[1:5] + s[6:10] {
		value <<= 4
		mask <<= 4
		if c == 'x' || c == 'X' {
			continue
		}
		d, err := strconv.ParseUint(string(c), 16, 8)
		if err != nil {
			return 0, 0, fmt.Errorf("malformed tag %q", s)
		}
		value |= uint32(d)
		mask |= 0xF
	}
	return value, mask, nil
}

func check(rows []row) error {
	seen := map[uint32]bool{}
	for i, r := range rows {
		if r.mask == 0xFFFFFFFF {
			if seen[r.value] {
				return fmt.Errorf("duplicate tag %08X", r.value)
			}
			seen[r.value] = true
			continue
		}
		for _, o := range rows[:i] {
			if o.mask != 0xFFFFFFFF && (r.value^o.value)&r.mask&o.mask == 0 {
				return fmt.Errorf("repeating rows %08X and %08X overlap", r.value, o.value)
			}
		}
	}
	return nil
}

func generate(pkg, src, edition string, rows []row, priv row) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/gen/confprofile from %s; DO NOT EDIT.\n\n", src)
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "// ProfileEdition names the edition of DICOM PS3.15 Table E.1-1 that the\n// action table was generated from.\n")
	fmt.Fprintf(&b, "const ProfileEdition = %q\n\n", edition)
	fmt.Fprintf(&b, "// profileRowCount is the number of rows of Table E.1-1, the private\n// attributes row included.\n")
	fmt.Fprintf(&b, "const profileRowCount = %d\n\n", len(rows)+1)
	fmt.Fprintf(&b, "// profileRows is Table E.1-1 sorted by tag: tag, mask (0xFFFFFFFF for an\n// exact tag), name, PS3.6 VR, in a standard composite IOD, Basic Profile\n// code, and one byte per option column in Option bit order ('.' no\n// change, 'K' keep, 'C' clean).\n")
	fmt.Fprintf(&b, "var profileRows = [...]row{\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "\t{0x%08X, 0x%08X, %q, %q, %v, %q, %q},\n", r.value, r.mask, r.name, r.vr, r.stdIOD, r.basic, string(r.opts))
	}
	fmt.Fprintf(&b, "}\n\n")
	fmt.Fprintf(&b, "// privateRow is the row for private attributes (odd groups).\n")
	fmt.Fprintf(&b, "var privateRow = row{0, 0, %q, \"\", %v, %q, %q}\n", priv.name, priv.stdIOD, priv.basic, string(priv.opts))
	return format.Source(b.Bytes())
}
