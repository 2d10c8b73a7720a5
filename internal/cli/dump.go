package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/radkit/radkit/dicomio"
)

// DumpOptions are the parsed arguments of "radkit dump".
type DumpOptions struct {
	IO     *IOStreams
	Logger *slog.Logger
	Files  []string
	// MaxValue truncates each printed value to this many characters; 0
	// prints values whole.
	MaxValue int
	// NoPixel skips the pixel data instead of loading it.
	NoPixel bool

	readFile func(string, *dicomio.ReadOptions) (*dicomio.File, error)
	parse    func(io.Reader, *dicomio.ReadOptions) (*dicomio.File, error)
}

// defaultMaxValue is the default of --max-value.
const defaultMaxValue = 64

func newCmdDump(f *Factory, runF func(*DumpOptions) error) *Command {
	opts := &DumpOptions{IO: f.IO, Logger: f.Logger, readFile: f.ReadFile, parse: f.Parse}
	cmd := &Command{
		Name:  "dump",
		Short: "Print the elements of DICOM files",
		Long: `Print every data element of each DICOM file, one per line, like dcmtk's
dcmdump: the file meta information first, then the data set. Each line
shows the tag, the VR, the value and, after "#", the attribute's name from
the PS3.6 data dictionary. Elements of sequence items are indented.

Text is decoded from the file's Specific Character Set to UTF-8; numbers
are printed in decimal; binary values (OB, OW, UN...) as their length in
bytes and their first values in hexadecimal. Long values are cut at
--max-value characters.

A FILE of "-" reads standard input. A file that cannot be read is reported
on standard error and the next file is dumped; the exit status is then 1.`,
		Usage: "[--max-value N] [--no-pixel] FILE...",
		Example: []string{
			"$ radkit dump study/ct-0001.dcm",
			"$ radkit dump --no-pixel --max-value 0 study/*.dcm",
			"$ radkit dump - < image.dcm",
		},
		Flags: newFlagSet("dump"),
	}
	cmd.Flags.IntVar(&opts.MaxValue, "max-value", defaultMaxValue, "cut values to `N` characters (0: no limit)")
	cmd.Flags.BoolVar(&opts.NoPixel, "no-pixel", false, "do not load the pixel data (faster on large images)")
	cmd.RunE = func(ctx context.Context, args []string) error {
		if len(args) == 0 {
			return usageErrorf(cmd.Name, "no FILE given")
		}
		if opts.MaxValue < 0 {
			return usageErrorf(cmd.Name, "--max-value must be 0 or more, not %d", opts.MaxValue)
		}
		opts.Files = args
		if runF != nil {
			return runF(opts)
		}
		return dumpRun(ctx, opts)
	}
	return cmd
}

func dumpRun(ctx context.Context, opts *DumpOptions) error {
	ro := &dicomio.ReadOptions{PixelData: dicomio.PixelDataLoad}
	if opts.NoPixel {
		ro.PixelData = dicomio.PixelDataSkip
	}
	out := bufio.NewWriter(opts.IO.Out)
	failed := 0
	for i, path := range opts.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		opts.Logger.Debug("dump", "file", path, "pixelData", !opts.NoPixel)
		var f *dicomio.File
		var err error
		if path == "-" {
			f, err = opts.parse(opts.IO.In, ro)
		} else {
			f, err = opts.readFile(path, ro)
		}
		if err != nil {
			if ferr := out.Flush(); ferr != nil {
				return ferr
			}
			fmt.Fprintf(opts.IO.ErrOut, "radkit dump: %s: %v\n", path, err)
			failed++
			continue
		}
		if len(opts.Files) > 1 {
			if i > 0 {
				out.WriteByte('\n')
			}
			fmt.Fprintf(out, "# File: %s\n", path)
		}
		d := dumper{w: out, max: opts.MaxValue}
		d.file(f)
		if err := out.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &exitStatus{code: ExitFailure}
	}
	return nil
}

// dumper prints data sets in the format of dcmdump.
type dumper struct {
	w   *bufio.Writer
	max int
}

func (d *dumper) file(f *dicomio.File) {
	d.w.WriteString("# Dicom-File-Format\n\n")
	if f.Meta != nil && f.Meta.Len() > 0 {
		d.w.WriteString("# Dicom-Meta-Information-Header\n# Used TransferSyntax: Explicit VR Little Endian\n")
		d.dataset(f.Meta, 0)
		d.w.WriteByte('\n')
	}
	ts := f.TransferSyntax.Name
	if ts == "" {
		ts = f.TransferSyntax.UID
	}
	fmt.Fprintf(d.w, "# Dicom-Data-Set\n# Used TransferSyntax: %s\n", ts)
	if f.Dataset != nil {
		d.dataset(f.Dataset, 0)
	}
}

func (d *dumper) dataset(ds *dicomio.Dataset, depth int) {
	for _, e := range ds.Elements() {
		d.element(ds, e, depth)
	}
}

func (d *dumper) element(ds *dicomio.Dataset, e *dicomio.Element, depth int) {
	switch {
	case e.VR == dicomio.SQ || e.Items != nil:
		form := "explicit"
		if e.UndefinedLength {
			form = "undefined"
		}
		d.line(depth, e.Tag, e.VR.String(), fmt.Sprintf("(Sequence with %s length #=%d)", form, len(e.Items)), attrName(e.Tag))
		for _, it := range e.Items {
			d.line(depth+1, dicomio.TagItem, "na", fmt.Sprintf("(Item with %d elements)", it.Len()), "Item")
			d.dataset(it, depth+2)
		}
	case e.Fragments != nil:
		fr := e.Fragments
		d.line(depth, e.Tag, e.VR.String(), fmt.Sprintf("(PixelSequence #=%d)", len(fr.Items)+1), attrName(e.Tag))
		bot := "(Basic Offset Table, empty)"
		if n := len(fr.BasicOffsetTable); n > 0 {
			vals := make([]string, 0, min(n, maxBinaryValues))
			for _, v := range fr.BasicOffsetTable[:min(n, maxBinaryValues)] {
				vals = append(vals, strconv.FormatUint(uint64(v), 10))
			}
			bot = fmt.Sprintf("(Basic Offset Table, %d offsets) %s", n, strings.Join(vals, `\`))
			if n > maxBinaryValues {
				bot += `\...`
			}
		}
		d.line(depth+1, dicomio.TagItem, "pi", bot, "Item")
		for _, frag := range fr.Items {
			d.line(depth+1, dicomio.TagItem, "pi", binaryValue(dicomio.OB, frag), "Item")
		}
	default:
		d.line(depth, e.Tag, e.VR.String(), elementValue(ds, e), attrName(e.Tag))
	}
}

// valueWidth is the width the value column is padded to, as in dcmdump.
const valueWidth = 40

func (d *dumper) line(depth int, t dicomio.Tag, vr, value, name string) {
	value = sanitize(value)
	if d.max > 0 && utf8.RuneCountInString(value) > d.max {
		value = truncateRunes(value, d.max) + "..."
	}
	d.w.WriteString(strings.Repeat("  ", depth))
	d.w.WriteString(t.String())
	d.w.WriteByte(' ')
	d.w.WriteString(vr)
	d.w.WriteByte(' ')
	d.w.WriteString(value)
	if pad := valueWidth - utf8.RuneCountInString(value); pad > 0 {
		d.w.WriteString(strings.Repeat(" ", pad))
	}
	d.w.WriteString(" # ")
	d.w.WriteString(name)
	d.w.WriteByte('\n')
}

// attrName is the dictionary name of t, marked when retired.
func attrName(t dicomio.Tag) string {
	e, ok := dicomio.LookupTag(t)
	switch {
	case !ok && t.IsPrivate():
		return "Private Tag"
	case !ok:
		return "Unknown Tag"
	case e.Name == "":
		return "Unnamed (retired)"
	case e.Retired:
		return e.Name + " (retired)"
	}
	return e.Name
}

// maxBinaryValues is how many values of a binary element are printed.
const maxBinaryValues = 8

// elementValue formats the value of a non-sequence element.
func elementValue(ds *dicomio.Dataset, e *dicomio.Element) string {
	if !e.Loaded() {
		if n := e.ValueLength(); n >= 0 {
			return fmt.Sprintf("(not loaded, %d bytes)", n)
		}
		return "(not loaded, undefined length)"
	}
	if len(e.Value) == 0 {
		return "(no value available)"
	}
	vr := e.VR
	switch {
	case vr.IsString():
		vals, err := ds.Strings(e.Tag)
		if err != nil {
			return fmt.Sprintf("(undecodable: %v) %q", err, e.Value)
		}
		return "[" + strings.Join(vals, `\`) + "]"
	case vr == dicomio.US || vr == dicomio.SS || vr == dicomio.UL || vr == dicomio.SL || vr == dicomio.SV:
		return joinInts(e.Ints())
	case vr == dicomio.UV:
		parts := make([]string, 0, len(e.Value)/8)
		for _, v := range e.Uint64s() {
			parts = append(parts, strconv.FormatUint(v, 10))
		}
		return strings.Join(parts, `\`)
	case vr == dicomio.FL:
		return joinFloats32(e.Float32s())
	case vr == dicomio.FD:
		return joinFloats64(e.Float64s())
	case vr == dicomio.AT:
		u := e.Uint16s()
		var parts []string
		for i := 0; i+1 < len(u); i += 2 {
			parts = append(parts, dicomio.NewTag(u[i], u[i+1]).String())
		}
		return strings.Join(parts, `\`)
	}
	return binaryValue(vr, e.Value)
}

// binaryValue formats a byte value (OB, OW, OL, OV, OF, OD, UN) as its
// length and first values. Only the values printed are decoded, so that a
// large pixel data element costs nothing.
func binaryValue(vr dicomio.VR, b []byte) string {
	if len(b) == 0 {
		return "(no value available)"
	}
	size := 1
	switch vr {
	case dicomio.OW:
		size = 2
	case dicomio.OL, dicomio.OF:
		size = 4
	case dicomio.OV, dicomio.OD:
		size = 8
	}
	n := len(b) / size
	take := min(n, maxBinaryValues)
	e := &dicomio.Element{VR: vr, Value: b[:take*size]}
	var vals []string
	switch vr {
	case dicomio.OW:
		for _, v := range e.Uint16s() {
			vals = append(vals, fmt.Sprintf("%04x", v))
		}
	case dicomio.OL:
		for _, v := range e.Uint32s() {
			vals = append(vals, fmt.Sprintf("%08x", v))
		}
	case dicomio.OV:
		for _, v := range e.Uint64s() {
			vals = append(vals, fmt.Sprintf("%016x", v))
		}
	case dicomio.OF:
		for _, v := range e.Float32s() {
			vals = append(vals, formatFloat(float64(v), 32))
		}
	case dicomio.OD:
		for _, v := range e.Float64s() {
			vals = append(vals, formatFloat(v, 64))
		}
	default: // OB, UN and anything unknown
		for _, v := range e.Value {
			vals = append(vals, fmt.Sprintf("%02x", v))
		}
	}
	s := fmt.Sprintf("(%d bytes) %s", len(b), strings.Join(vals, `\`))
	if n > take {
		s += `\...`
	}
	return s
}

func joinInts(v []int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, `\`)
}

func joinFloats32(v []float32) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = formatFloat(float64(x), 32)
	}
	return strings.Join(parts, `\`)
}

func joinFloats64(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = formatFloat(x, 64)
	}
	return strings.Join(parts, `\`)
}

func formatFloat(f float64, bits int) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Sprint(f)
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// sanitize escapes control characters so that a value stays on one line.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
