// Command dictgen generates the DICOM data dictionary of package dicomio
// from the PS3.6 table extracted by the innolitics/dicom-standard project.
//
// Usage (from dicomio/generate.go):
//
//	go run ../internal/gen/dictgen -in ../../shared/dicom-standard/attributes.json -out dict_gen.go
//
// The input is a JSON array of objects with the fields tag "(gggg,eeee)"
// (an 'x' stands for any hexadecimal digit, as in (60xx,3000)), name,
// keyword, valueRepresentation, valueMultiplicity and retired ("Y" or "N").
// The edition of the standard is read from the README.md beside the input
// (or given with -edition) and recorded in the const DictionaryEdition.
//
// The output holds three immutable tables: the exact tags sorted by tag, the
// repeating-group (masked) entries, and an index of both sorted by keyword.
// dictgen fails on anything it does not understand (a malformed tag, a
// duplicate tag or keyword, overlapping masks) rather than guessing.
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
		fmt.Fprintln(os.Stderr, "dictgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("dictgen", flag.ContinueOnError)
	in := fs.String("in", "", "PS3.6 attributes.json `file`")
	out := fs.String("out", "dict_gen.go", "output Go `file`")
	pkg := fs.String("pkg", "dicomio", "package name of the output")
	edition := fs.String("edition", "", "edition of the standard (default: read from README.md beside -in)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || fs.NArg() != 0 {
		return errors.New("usage: dictgen -in attributes.json -out dict_gen.go")
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
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
	entries, err := parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	// Name the source by its last two path elements, so that the output
	// does not depend on where the checkout lives.
	src := filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(*in)), filepath.Base(*in)))
	code, err := generate(*pkg, src, ed, entries)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, code, 0o644)
}

var editionRE = regexp.MustCompile(`snapshot\s+of\s+(\d{4}-\d{2}-\d{2})\s+\(commit\s+([0-9a-f]+)\),\s+which\s+parsed\s+the\s+(\d{4}[a-e]?)\s+edition`)

// parseEdition extracts the edition from the README of the extracted
// tables: "snapshot of 2025-01-28 (commit 7f4749d), which parsed the 2024
// edition".
func parseEdition(readme string) (string, error) {
	m := editionRE.FindStringSubmatch(readme)
	if m == nil {
		return "", errors.New("README.md does not state the edition (\"snapshot of DATE (commit HASH), which parsed the YEAR edition\"); pass -edition")
	}
	return fmt.Sprintf("PS3.6 %s edition (innolitics/dicom-standard snapshot of %s, commit %s)", m[3], m[1], m[2]), nil
}

type jsonAttr struct {
	Tag     string `json:"tag"`
	Name    string `json:"name"`
	Keyword string `json:"keyword"`
	VR      string `json:"valueRepresentation"`
	VM      string `json:"valueMultiplicity"`
	Retired string `json:"retired"`
}

type entry struct {
	value, mask uint32 // mask is 0xFFFFFFFF for an exact tag
	name        string
	keyword     string
	vr, vm      string
	retired     bool
}

func (e entry) exact() bool { return e.mask == 0xFFFFFFFF }

var vrRE = regexp.MustCompile(`^(|[A-Z]{2}( or [A-Z]{2})*|See Note \d*)$`)

func parse(raw []byte) ([]entry, error) {
	var attrs []jsonAttr
	// The snapshot also carries an "id" field, which repeats the tag and
	// is ignored.
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, err
	}
	if len(attrs) == 0 {
		return nil, errors.New("no attributes")
	}
	out := make([]entry, 0, len(attrs))
	for i, a := range attrs {
		v, m, err := parseTag(a.Tag)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		var retired bool
		switch a.Retired {
		case "Y":
			retired = true
		case "N":
		default:
			return nil, fmt.Errorf("entry %d %s: retired is %q, want Y or N", i, a.Tag, a.Retired)
		}
		vr := strings.TrimSpace(a.VR)
		if !vrRE.MatchString(vr) {
			return nil, fmt.Errorf("entry %d %s: unexpected VR %q", i, a.Tag, a.VR)
		}
		out = append(out, entry{
			value: v, mask: m,
			name:    strings.TrimSpace(a.Name),
			keyword: strings.TrimSpace(a.Keyword),
			vr:      vr,
			vm:      strings.TrimSpace(a.VM),
			retired: retired,
		})
	}
	return out, check(out)
}

// parseTag parses "(gggg,eeee)", where each digit may be 'x' or 'X' (any
// digit). It returns the tag with x digits zeroed and the mask of the fixed
// digits.
func parseTag(s string) (value, mask uint32, err error) {
	if len(s) != 11 || s[0] != '(' || s[5] != ',' || s[10] != ')' {
		return 0, 0, fmt.Errorf("malformed tag %q", s)
	}
	digits := s[1:5] + s[6:10]
	for _, c := range digits {
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

// check rejects duplicate tags and keywords and overlapping masks, any of
// which would make a lookup ambiguous.
func check(es []entry) error {
	tags := map[uint32]bool{}
	kws := map[string]string{}
	var masked []entry
	for _, e := range es {
		if e.exact() {
			if tags[e.value] {
				return fmt.Errorf("duplicate tag %s", tagString(e))
			}
			tags[e.value] = true
		} else {
			for _, o := range masked {
				if (e.value^o.value)&e.mask&o.mask == 0 {
					return fmt.Errorf("repeating entries %s and %s overlap", tagString(e), tagString(o))
				}
			}
			masked = append(masked, e)
		}
		if e.keyword != "" {
			if prev, ok := kws[e.keyword]; ok {
				return fmt.Errorf("keyword %s used by %s and %s", e.keyword, prev, tagString(e))
			}
			kws[e.keyword] = tagString(e)
		}
	}
	return nil
}

func tagString(e entry) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 7; i >= 0; i-- {
		if i == 3 {
			b.WriteByte(',')
		}
		if e.mask>>(4*i)&0xF == 0 {
			b.WriteByte('x')
		} else {
			fmt.Fprintf(&b, "%X", e.value>>(4*i)&0xF)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// firstTag returns the lowest tag matching the repeating entry e that
// dicomio.LookupTag resolves to e: not an exact tag of the dictionary, not a
// group length (gggg,0000) and in an even group (odd groups are private).
func firstTag(e entry, exactTags map[uint32]bool) (uint32, bool) {
	var free []int // nibble positions of the x digits, most significant first
	for i := 7; i >= 0; i-- {
		if e.mask>>(4*i)&0xF == 0 {
			free = append(free, i)
		}
	}
	for n := uint32(0); n < 1<<(4*len(free)); n++ {
		t := e.value
		for j, pos := range free {
			t |= (n >> (4 * (len(free) - 1 - j)) & 0xF) << (4 * pos)
		}
		if t&0xFFFF == 0 || (t>>16)%2 == 1 || exactTags[t] {
			continue
		}
		return t, true
	}
	return 0, false
}

func generate(pkg, src, edition string, es []entry) ([]byte, error) {
	var exact, masked []entry
	for _, e := range es {
		if e.exact() {
			exact = append(exact, e)
		} else {
			masked = append(masked, e)
		}
	}
	slices.SortFunc(exact, func(a, b entry) int { return cmp.Compare(a.value, b.value) })
	slices.SortFunc(masked, func(a, b entry) int { return cmp.Compare(a.value, b.value) })

	// The keyword index refers to exact entries by their index and to
	// masked entries by len(exact)+index.
	all := append(slices.Clip(exact), masked...)
	exactTags := map[uint32]bool{}
	for _, e := range exact {
		exactTags[e.value] = true
	}
	firsts := make([]uint32, len(masked))
	for i, e := range masked {
		f, ok := firstTag(e, exactTags)
		if !ok {
			return nil, fmt.Errorf("no tag resolves to repeating entry %s", tagString(e))
		}
		firsts[i] = f
	}
	var byKeyword []int
	for i, e := range all {
		if e.keyword != "" {
			byKeyword = append(byKeyword, i)
		}
	}
	slices.SortFunc(byKeyword, func(a, b int) int { return strings.Compare(all[a].keyword, all[b].keyword) })
	if len(all) > 1<<16 {
		return nil, fmt.Errorf("%d entries do not fit the uint16 keyword index", len(all))
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by dictgen from %s; DO NOT EDIT.\n\n", src)
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "// DictionaryEdition names the edition of DICOM PS3.6 that the data\n// dictionary ([LookupTag], [TagByKeyword]) was generated from.\n")
	fmt.Fprintf(&b, "const DictionaryEdition = %q\n\n", edition)
	fmt.Fprintf(&b, "// dictEntryCount is the number of entries of the source table: %d exact\n// and %d repeating-group entries.\n", len(exact), len(masked))
	fmt.Fprintf(&b, "const dictEntryCount = %d\n\n", len(all))

	b.WriteString("// dictExact holds the entries of exact tags, sorted by tag.\n")
	b.WriteString("var dictExact = [...]DictEntry{\n")
	for _, e := range exact {
		fmt.Fprintf(&b, "\t{0x%08X, %q, %q, %q, %q, %t},\n", e.value, e.name, e.keyword, e.vr, e.vm, e.retired)
	}
	b.WriteString("}\n\n")

	b.WriteString("// dictMasked holds the repeating-group entries such as (60xx,3000): a tag t\n")
	b.WriteString("// matches when t&mask == entry.Tag (whose x digits are zero). first is the\n")
	b.WriteString("// lowest tag that LookupTag resolves to the entry.\n")
	b.WriteString("var dictMasked = [...]maskedEntry{\n")
	for i, e := range masked {
		fmt.Fprintf(&b, "\t{0x%08X, 0x%08X, DictEntry{0x%08X, %q, %q, %q, %q, %t}}, // %s\n",
			e.mask, firsts[i], e.value, e.name, e.keyword, e.vr, e.vm, e.retired, tagString(e))
	}
	b.WriteString("}\n\n")

	b.WriteString("// dictByKeyword indexes the entries with a keyword, sorted by keyword: i\n")
	b.WriteString("// refers to dictExact[i], or to dictMasked[i-len(dictExact)].\n")
	b.WriteString("var dictByKeyword = [...]uint16{")
	for i, k := range byKeyword {
		if i%12 == 0 {
			b.WriteString("\n\t")
		} else {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d,", k)
	}
	b.WriteString("\n}\n")

	code, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the output: %w", err)
	}
	return code, nil
}
