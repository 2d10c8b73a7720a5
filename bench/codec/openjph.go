//go:build charls

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// OpenJPH (Debian openjph-tools) is the HTJ2K reference point. It has no
// library package in Debian, only the ojph_compress and ojph_expand
// command-line tools, so the harness runs them as child processes on
// PGM/PPM files in a tmpfs directory and times each child by its CPU time
// (user + system, from rusage), which the other tenants of a loaded
// machine do not inflate. Process start-up (exec, dynamic linking, the
// codec's set-up) is measured on an 8x8 image and subtracted: the "net"
// figures are the coding of the image itself plus reading and writing its
// files.

// ojph is one image's OpenJPH measurement.
type ojph struct {
	size     int           // codestream bytes
	enc, dec time.Duration // best child CPU time, start-up included
	su       ojphStartup   // start-up cost, measured alongside
	decomps  int
	err      error // set when the decode does not reproduce the input
}

// ojphStartup is the CPU time of coding an 8x8 8-bit image: the fixed
// cost of each run.
type ojphStartup struct{ enc, dec time.Duration }

// ojphTiny holds the arguments that code the 8x8 image, written by
// prepareOpenJPH.
var ojphTiny struct{ enc, dec []string }

// pnm writes im as binary PGM (one component) or PPM (three), maxval
// 2^bits-1, big-endian samples above 8 bits, as the Netpbm formats say.
func pnm(im img) ([]byte, string, error) {
	c := im.fi.SamplesPerPixel
	var magic, ext string
	switch c {
	case 1:
		magic, ext = "P5", ".pgm"
	case 3:
		magic, ext = "P6", ".ppm"
	default:
		return nil, "", fmt.Errorf("%d components: OpenJPH reads PGM or PPM", c)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d %d\n%d\n", magic, im.fi.Columns, im.fi.Rows, 1<<im.bits-1)
	if im.bits <= 8 {
		b.Write(im.raw)
	} else {
		for i := 0; i+1 < len(im.raw); i += 2 {
			b.WriteByte(im.raw[i+1])
			b.WriteByte(im.raw[i])
		}
	}
	return b.Bytes(), ext, nil
}

// pnmPixels returns the sample bytes of a binary PGM/PPM: what follows the
// header's four fields and the single whitespace after maxval.
func pnmPixels(b []byte) ([]byte, error) {
	i, fields := 0, 0
	for fields < 4 {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
			i++
		}
		if i < len(b) && b[i] == '#' {
			for i < len(b) && b[i] != '\n' {
				i++
			}
			continue
		}
		start := i
		for i < len(b) && b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t' {
			i++
		}
		if i == start || i >= len(b) {
			return nil, fmt.Errorf("truncated PNM header")
		}
		fields++
	}
	return b[i+1:], nil
}

// childCPU runs the command and returns its CPU time (user + system).
func childCPU(name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(out.Bytes()))
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// bestChild runs the command at least 5 times and until 1 s of child CPU
// time has been spent (at most 40 times), and returns the least CPU time.
// Each run alternates with a run of the same tool on the 8x8 image
// (tiny), whose least CPU time is the start-up cost measured under the
// same conditions: on a shared machine it moves by a millisecond or more
// from minute to minute.
func bestChild(name string, args, tiny []string) (best, startup time.Duration, err error) {
	best, startup = time.Duration(1<<63-1), time.Duration(1<<63-1)
	total := time.Duration(0)
	for n := 0; n < 40 && (n < 5 || total < time.Second); n++ {
		d, err := childCPU(name, args...)
		if err != nil {
			return 0, 0, err
		}
		t, err := childCPU(name, tiny...)
		if err != nil {
			return 0, 0, err
		}
		best, startup, total = min(best, d), min(startup, t), total+d
	}
	return best, startup, nil
}

// ojphDir is a scratch directory in memory when /dev/shm exists, so that
// file I/O costs the children as little as possible.
func ojphDir() (string, error) {
	base := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	return os.MkdirTemp(base, "radkit-ojph-")
}

// ojphArgs returns the arguments of a reversible encode of in and of the
// decode of its codestream.
func ojphArgs(dir, in, ext, stem string, decomps int) (enc, dec []string) {
	j2c := filepath.Join(dir, stem+".j2c")
	back := filepath.Join(dir, stem+"-back"+ext)
	return []string{"-i", in, "-o", j2c, "-reversible", "true", "-num_decomps", strconv.Itoa(decomps)},
		[]string{"-i", j2c, "-o", back}
}

// ojphRun encodes in (a PGM/PPM file) reversibly, decodes it back, and
// returns the best encode and decode CPU times and the codestream size.
// With timing false it only checks that the decode equals want.
func ojphRun(dir, in, ext, stem string, decomps int, want []byte, timing bool) (ojph, error) {
	j2c := filepath.Join(dir, stem+".j2c")
	back := filepath.Join(dir, stem+"-back"+ext)
	encArgs, decArgs := ojphArgs(dir, in, ext, stem, decomps)
	r := ojph{decomps: decomps}
	if _, err := childCPU("ojph_compress", encArgs...); err != nil {
		return r, err
	}
	if _, err := childCPU("ojph_expand", decArgs...); err != nil {
		return r, err
	}
	st, err := os.Stat(j2c)
	if err != nil {
		return r, err
	}
	r.size = int(st.Size())
	got, err := os.ReadFile(back)
	if err != nil {
		return r, err
	}
	px, err := pnmPixels(got)
	if err != nil {
		return r, err
	}
	if !bytes.Equal(px, want) {
		r.err = fmt.Errorf("OpenJPH's decode differs from the input")
		return r, nil
	}
	if !timing {
		return r, nil
	}
	if r.enc, r.su.enc, err = bestChild("ojph_compress", encArgs, ojphTiny.enc); err != nil {
		return r, err
	}
	if r.dec, r.su.dec, err = bestChild("ojph_expand", decArgs, ojphTiny.dec); err != nil {
		return r, err
	}
	return r, nil
}

// measureOpenJPH codes im with OpenJPH, lossless (reversible 5/3 wavelet,
// HT block coder), after checking that the decode reproduces the input.
// OpenJPH's default of 5 decompositions does not decode losslessly images
// smaller than 32 pixels on a side (seen with 0.9.0 on 3x3, 4x4, 8x8 and
// 16x16), so the number of decompositions is the default capped at
// log2 of the smaller side.
func measureOpenJPH(dir string, im img) (ojph, error) {
	data, ext, err := pnm(im)
	if err != nil {
		return ojph{}, err
	}
	in := filepath.Join(dir, "in"+ext)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return ojph{}, err
	}
	px, _ := pnmPixels(data)
	decomps := 5
	for decomps > 0 && 1<<decomps > min(im.fi.Columns, im.fi.Rows) {
		decomps--
	}
	return ojphRun(dir, in, ext, "out", decomps, px, true)
}

// prepareOpenJPH writes the 8x8 8-bit image whose coding measures the
// start-up cost, and checks that OpenJPH codes it losslessly.
func prepareOpenJPH(dir string) error {
	var b bytes.Buffer
	b.WriteString("P5\n8 8\n255\n")
	for i := range 64 {
		b.WriteByte(byte(i * 37))
	}
	in := filepath.Join(dir, "tiny.pgm")
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		return err
	}
	px, _ := pnmPixels(b.Bytes())
	r, err := ojphRun(dir, in, ".pgm", "tiny", 3, px, false)
	if err == nil && r.err != nil {
		err = r.err
	}
	ojphTiny.enc, ojphTiny.dec = ojphArgs(dir, in, ".pgm", "tiny", 3)
	return err
}

// netOf subtracts the start-up cost; it reports false when what remains
// is under a quarter of the start-up cost, within the start-up's own
// variation: the image is too small for a child process to time it.
func netOf(d, startup time.Duration) (time.Duration, bool) {
	n := d - startup
	return n, n > startup/4
}

// ojphRow formats one row of the OpenJPH table: radkit's single-threaded
// CPU-time figures against OpenJPH's net child CPU time.
func ojphRow(im img, rEnc, rDec time.Duration, oursLen int, o ojph) string {
	size := fmt.Sprintf("%dx%dx%d, %d bits", im.fi.Columns, im.fi.Rows, im.fi.SamplesPerPixel, im.bits)
	if o.err != nil {
		return fmt.Sprintf("| %s | %s | %.1f | | | %.1f | | | %v | | | | | |", im.name, size, mbps(im.bytes, rEnc), mbps(im.bytes, rDec), o.err)
	}
	cell := func(d, s, r time.Duration) (string, string) {
		n, ok := netOf(d, s)
		if !ok {
			return "start-up bound", "n/a"
		}
		return fmt.Sprintf("%.1f", mbps(im.bytes, n)), fmt.Sprintf("%.2f", n.Seconds()/r.Seconds())
	}
	encMB, encRatio := cell(o.enc, o.su.enc, rEnc)
	decMB, decRatio := cell(o.dec, o.su.dec, rDec)
	ratioOurs := float64(im.bytes) / float64(oursLen)
	ratioOJ := float64(im.bytes) / float64(o.size)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	return fmt.Sprintf("| %s | %s | %.1f | %s | %s | %.1f | %s | %s | %.3f | %.3f | %.3f | %.2f / %.2f | %.2f / %.2f | %d |",
		im.name, size,
		mbps(im.bytes, rEnc), encMB, encRatio,
		mbps(im.bytes, rDec), decMB, decRatio,
		ratioOurs, ratioOJ, ratioOurs/ratioOJ,
		ms(o.enc), ms(o.dec), ms(o.su.enc), ms(o.su.dec),
		o.decomps)
}

const ojphHeader = `| image | size | radkit JPEG-LS enc MB/s | OpenJPH HTJ2K enc MB/s (net) | enc radkit/OpenJPH | radkit JPEG-LS dec MB/s | OpenJPH HTJ2K dec MB/s (net) | dec radkit/OpenJPH | ratio radkit JPEG-LS | ratio OpenJPH HTJ2K | ratio radkit/OpenJPH | OpenJPH child CPU ms enc / dec (gross) | start-up ms enc / dec (8x8) | decomps |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`
