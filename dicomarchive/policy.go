package dicomarchive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomio"
)

// Setting is the kind of practice a retention policy applies to; French
// law sets a different minimum retention for each.
type Setting int

const (
	// Hospital: 20 years from the exam (Code de la santé publique,
	// art. R.1112-7), the default.
	Hospital Setting = iota
	// PrivatePractice: at least 5 years (CNAM cahier des charges), a
	// minimum regulation may raise.
	PrivatePractice
)

func (s Setting) String() string {
	if s == PrivatePractice {
		return "private practice"
	}
	return "hospital"
}

// Legal minimums the policy enforces.
const (
	MinImmediateYears       = 3
	MinRetentionHospital    = 20
	MinRetentionPrivatePrac = 5
)

// Policy is a retention policy. The zero value is a hospital's: 3 years on
// the immediate tier, 20 years of retention, no overrides.
type Policy struct {
	// Setting selects the legal minimum retention. Default Hospital.
	Setting Setting
	// ImmediateYears is how long a study stays on the immediate
	// (lossless) tier after its study date. Default and minimum 3.
	ImmediateYears int
	// RetentionYears is how long a study is kept after its study date.
	// Default and minimum 20 for a hospital, 5 for private practice.
	RetentionYears int
	// Rules override the terms for some studies, per modality or exam
	// type. Every matching rule applies and the longest terms win, so an
	// override can only keep data longer than another rule says.
	// Default: none.
	Rules []PolicyRule
}

// PolicyRule overrides the terms of the studies it matches.
type PolicyRule struct {
	// Modality matches studies with a series of this modality ("" any).
	Modality string
	// Description is a wildcard pattern on the study description, folded
	// like names ("*MAMMO*"); "" matches any.
	Description string
	// ImmediateYears and RetentionYears replace the policy's when larger;
	// 0 keeps the policy's. Each must respect the minimums.
	ImmediateYears, RetentionYears int
}

func (p *Policy) minRetention() int {
	if p.Setting == PrivatePractice {
		return MinRetentionPrivatePrac
	}
	return MinRetentionHospital
}

// validate fills defaults and enforces the legal minimums.
func (p *Policy) validate() error {
	if p.Setting != Hospital && p.Setting != PrivatePractice {
		return &PolicyError{Field: "Setting", Reason: fmt.Sprintf("unknown setting %d", int(p.Setting))}
	}
	if p.ImmediateYears == 0 {
		p.ImmediateYears = MinImmediateYears
	}
	if p.RetentionYears == 0 {
		p.RetentionYears = p.minRetention()
	}
	check := func(field string, imm, ret int) error {
		if imm != 0 && imm < MinImmediateYears {
			return &PolicyError{Field: field + "ImmediateYears", Reason: fmt.Sprintf("%d years; the immediate tier must hold at least %d", imm, MinImmediateYears)}
		}
		if ret != 0 && ret < p.minRetention() {
			return &PolicyError{Field: field + "RetentionYears", Reason: fmt.Sprintf("%d years; %s retention is at least %d", ret, p.Setting, p.minRetention())}
		}
		return nil
	}
	if err := check("", p.ImmediateYears, p.RetentionYears); err != nil {
		return err
	}
	if p.ImmediateYears > p.RetentionYears {
		return &PolicyError{Field: "ImmediateYears", Reason: "longer than the retention"}
	}
	for i, r := range p.Rules {
		if err := check(fmt.Sprintf("Rules[%d].", i), r.ImmediateYears, r.RetentionYears); err != nil {
			return err
		}
	}
	return nil
}

// Terms returns the immediate-tier and retention durations, in years, for
// a study.
func (p *Policy) Terms(s *Study) (immediateYears, retentionYears int) {
	imm, ret := p.ImmediateYears, p.RetentionYears
	if imm == 0 {
		imm = MinImmediateYears
	}
	if ret == 0 {
		ret = p.minRetention()
	}
	desc := FoldName(s.Description)
	for _, r := range p.Rules {
		if r.Modality != "" && !containsFold(s.Modalities, r.Modality) {
			continue
		}
		if r.Description != "" && !wildMatch(FoldName(r.Description), desc) {
			continue
		}
		imm, ret = max(imm, r.ImmediateYears), max(ret, r.RetentionYears)
	}
	return imm, max(ret, imm)
}

// studyTime is the date terms run from: the study date, or the date the
// archive received the study when the objects carry none.
func studyTime(s *Study) time.Time {
	if t, err := time.Parse("20060102", s.StudyDate); err == nil {
		return t
	}
	return s.CreatedAt
}

// ImmediateUntil returns when a study may leave the immediate tier.
func (p *Policy) ImmediateUntil(s *Study) time.Time {
	imm, _ := p.Terms(s)
	return studyTime(s).AddDate(imm, 0, 0)
}

// ExpiresAt returns when a study may be purged (unless held).
func (p *Policy) ExpiresAt(s *Study) time.Time {
	_, ret := p.Terms(s)
	return studyTime(s).AddDate(ret, 0, 0)
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// wildMatch matches DICOM wildcards (* and ?) against s.
func wildMatch(pattern, s string) bool {
	p, r := []rune(pattern), []rune(s)
	// Iterative matching with backtracking on the last star.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(r) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == r[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// Native and lossless-only transfer syntaxes: all the immediate tier accepts
// (cahier des charges: "DICOM non compressé ou compression sans perte").
var immediateSyntaxes = map[string]bool{
	dicomio.ImplicitVRLittleEndian: true,
	dicomio.ExplicitVRLittleEndian: true,
	"1.2.840.10008.1.2.1.99":       true, // Deflated Explicit VR Little Endian
	"1.2.840.10008.1.2.2":          true, // Explicit VR Big Endian (retired)
	"1.2.840.10008.1.2.4.57":       true, // JPEG Lossless, Non-Hierarchical
	"1.2.840.10008.1.2.4.70":       true, // JPEG Lossless, First-Order Prediction
	"1.2.840.10008.1.2.4.80":       true, // JPEG-LS Lossless
	"1.2.840.10008.1.2.4.90":       true, // JPEG 2000 Lossless Only
	"1.2.840.10008.1.2.4.201":      true, // High-Throughput JPEG 2000 Lossless Only
	"1.2.840.10008.1.2.4.202":      true, // HTJ2K with RPCL Lossless Only
	"1.2.840.10008.1.2.5":          true, // RLE Lossless
	"1.2.840.10008.1.2.8.1":        true, // JPEG XL Lossless
	"1.2.840.10008.1.2.1.98":       true, // Encapsulated Uncompressed Explicit VR Little Endian
}

// checkImmediate refuses what the immediate tier must not hold: a lossy
// or unknown transfer syntax, or pixel data that was lossy-compressed
// before (Lossy Image Compression "01" survives decompression, PS3.3
// C.7.6.1.1.5, and the image stays lossy).
func checkImmediate(f *dicomio.File) error {
	ts := f.TransferSyntax.UID
	if !immediateSyntaxes[ts] {
		return &TierError{Tier: Immediate, TransferSyntax: ts, Reason: "not a native or lossless-only syntax; lossy compression belongs to the deferred tier"}
	}
	if f.Dataset.String(tagLossyImageCompression) == "01" {
		return &TierError{Tier: Immediate, TransferSyntax: ts, Reason: "Lossy Image Compression is 01: the pixel data was lossy-compressed before"}
	}
	return nil
}

func (a *Archive) retention() (RetentionIndex, error) {
	if a.c.Retention == nil {
		return nil, fmt.Errorf("%w: retention", ErrUnsupported)
	}
	return a.c.Retention, nil
}

// Hold puts a study under legal hold: neither Purge nor DeleteStudy will
// remove it until Release. reason is mandatory (it is the trace).
func (a *Archive) Hold(ctx context.Context, studyUID, reason string) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	ri, err := a.retention()
	if err == nil && strings.TrimSpace(reason) == "" {
		err = errors.New("dicomarchive: a legal hold needs a reason")
	}
	if err == nil {
		err = ri.SetHold(ctx, studyUID, reason)
	}
	return a.done(ctx, ActionHold, studyUID, err, "hold: "+reason)
}

// Release lifts a legal hold.
func (a *Archive) Release(ctx context.Context, studyUID string) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	ri, err := a.retention()
	if err == nil {
		err = ri.SetHold(ctx, studyUID, "")
	}
	return a.done(ctx, ActionHold, studyUID, err, "release")
}

// DeleteStudy removes a study and its objects (a patient record's
// deletion "with traceability", as the teleradiology guide asks). It
// refuses a held study with a [*HeldError]. The index rows go first, then
// the blobs and their replicas: an interruption leaves orphan blobs, which
// Verify removes, never an index row without its blob.
func (a *Archive) DeleteStudy(ctx context.Context, studyUID, reason string) error {
	if err := a.enter(ctx); err != nil {
		return err
	}
	defer a.leave()
	n, size, err := a.deleteStudy(ctx, studyUID)
	return a.done(ctx, ActionDelete, studyUID, err, fmt.Sprintf("%s; %d instances, %d bytes", reason, n, size))
}

func (a *Archive) deleteStudy(ctx context.Context, studyUID string) (int, int64, error) {
	ri, err := a.retention()
	if err != nil {
		return 0, 0, err
	}
	if a.c.Deleter == nil {
		return 0, 0, fmt.Errorf("%w: blob deletion", ErrUnsupported)
	}
	gone, err := ri.DeleteStudy(ctx, studyUID)
	if err != nil {
		return 0, 0, err
	}
	var size int64
	var errs []error
	for _, in := range gone {
		size += in.Size
		if ref, err := a.c.Index.BlobReferenced(ctx, in.Digest); err != nil || ref {
			continue
		}
		errs = append(errs, a.c.Deleter.Delete(ctx, in.Digest))
		if a.c.ReplicaDeleter != nil {
			errs = append(errs, a.c.ReplicaDeleter.Delete(ctx, in.Digest))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return len(gone), size, fmt.Errorf("dicomarchive: study %s removed from the index; some blobs remain as orphans for Verify: %w", studyUID, err)
	}
	return len(gone), size, nil
}

// PurgeOptions steer [Archive.Purge].
type PurgeOptions struct {
	// DryRun lists what would be purged and changes nothing. Default
	// false.
	DryRun bool
	// Now is the date expiry is judged at. Default: the archive's clock.
	Now time.Time
}

// PurgeItem is a study past its retention.
type PurgeItem struct {
	StudyInstanceUID string
	StudyDate        string
	ExpiredAt        time.Time
	Instances        int
	Size             int64
	Hold             string // legal-hold reason: kept despite expiry
}

// PurgeReport lists the expired studies, purged or held.
type PurgeReport struct {
	DryRun  bool
	Purged  []PurgeItem // deleted (or, in a dry run, that would be)
	Held    []PurgeItem // expired but under legal hold: kept
	Studies int         // studies examined
}

// Purge deletes the studies whose retention has expired and that are not
// under legal hold, one study at a time, each recorded in the trail. It is
// resumable: an interrupted purge leaves whole studies, or orphan blobs
// that Verify removes, and running it again finishes the work.
func (a *Archive) Purge(ctx context.Context, opts *PurgeOptions) (PurgeReport, error) {
	if err := a.enter(ctx); err != nil {
		return PurgeReport{}, err
	}
	defer a.leave()
	var o PurgeOptions
	if opts != nil {
		o = *opts
	}
	if o.Now.IsZero() {
		o.Now = a.now()
	}
	rep := PurgeReport{DryRun: o.DryRun}
	ri, err := a.retention()
	if err != nil {
		return rep, a.done(ctx, ActionPurge, "", err, "")
	}
	var expired []PurgeItem
	err = ri.WalkStudies(ctx, func(s Study) error {
		rep.Studies++
		exp := a.opts.Policy.ExpiresAt(&s)
		if o.Now.Before(exp) {
			return nil
		}
		it := PurgeItem{StudyInstanceUID: s.StudyInstanceUID, StudyDate: s.StudyDate, ExpiredAt: exp,
			Instances: s.NumInstances, Size: s.Size, Hold: s.Hold}
		if s.Hold != "" {
			rep.Held = append(rep.Held, it)
		} else {
			expired = append(expired, it)
		}
		return nil
	})
	if err != nil || o.DryRun {
		rep.Purged = expired
		return rep, a.done(ctx, ActionPurge, "", err, fmt.Sprintf("dry run=%v: %d expired, %d held", o.DryRun, len(expired), len(rep.Held)))
	}
	for _, it := range expired {
		if err := ctx.Err(); err != nil {
			return rep, a.done(ctx, ActionPurge, "", err, fmt.Sprintf("interrupted after %d studies", len(rep.Purged)))
		}
		_, _, err := a.deleteStudy(ctx, it.StudyInstanceUID)
		if aerr := a.audit(ctx, ActionPurge, it.StudyInstanceUID, err,
			fmt.Sprintf("expired %s; %d instances, %d bytes", it.ExpiredAt.Format("2006-01-02"), it.Instances, it.Size)); aerr != nil && err == nil {
			err = aerr
		}
		if err != nil {
			var he *HeldError
			if errors.As(err, &he) { // held between the walk and now
				it.Hold = he.Reason
				rep.Held = append(rep.Held, it)
				continue
			}
			return rep, err
		}
		rep.Purged = append(rep.Purged, it)
	}
	return rep, nil
}
