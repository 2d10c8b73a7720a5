package anonymize

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"strings"
)

// Option is a set of the options of the Basic Application Level
// Confidentiality Profile (PS3.15 E.3). The zero value is the Basic Profile
// alone. The first ten bits follow the option columns of Table E.1-1.
type Option uint16

// The options of PS3.15 E.3, in the column order of Table E.1-1.
const (
	RetainSafePrivate Option = 1 << iota
	RetainUIDs
	RetainDeviceIdentity
	RetainInstitutionIdentity
	RetainPatientCharacteristics
	RetainLongitudinalFullDates
	RetainLongitudinalModifiedDates
	CleanDescriptors
	CleanStructuredContent
	CleanGraphics
	CleanPixelData

	optionEnd
)

// optionInfo gives each option its command-line name and its CID 7050 code.
var optionInfo = [...]struct {
	opt     Option
	name    string
	code    string
	meaning string
}{
	{RetainSafePrivate, "retain-safe-private", "113111", "Retain Safe Private Option"},
	{RetainUIDs, "retain-uids", "113110", "Retain UIDs Option"},
	{RetainDeviceIdentity, "retain-device-identity", "113109", "Retain Device Identity Option"},
	{RetainInstitutionIdentity, "retain-institution-identity", "113112", "Retain Institution Identity Option"},
	{RetainPatientCharacteristics, "retain-patient-characteristics", "113108", "Retain Patient Characteristics Option"},
	{RetainLongitudinalFullDates, "retain-full-dates", "113106", "Retain Longitudinal Temporal Information Full Dates Option"},
	{RetainLongitudinalModifiedDates, "retain-modified-dates", "113107", "Retain Longitudinal Temporal Information Modified Dates Option"},
	{CleanDescriptors, "clean-descriptors", "113105", "Clean Descriptors Option"},
	{CleanStructuredContent, "clean-structured-content", "113104", "Clean Structured Content Option"},
	{CleanGraphics, "clean-graphics", "113103", "Clean Graphics Option"},
	{CleanPixelData, "clean-pixel-data", "113101", "Clean Pixel Data Option"},
}

// String lists the options by their command-line names, comma-separated
// ("basic" for none).
func (o Option) String() string {
	if o == 0 {
		return "basic"
	}
	var names []string
	for _, in := range optionInfo {
		if o&in.opt != 0 {
			names = append(names, in.name)
		}
	}
	if o&^(optionEnd-1) != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint16(o&^(optionEnd-1))))
	}
	return strings.Join(names, ",")
}

// Names returns the command-line names of the options in o.
func (o Option) Names() []string {
	if o == 0 {
		return nil
	}
	return strings.Split(o.String(), ",")
}

// ParseOption reads one option by its command-line name
// ("retain-modified-dates") as `radkit anonymize --option` takes it.
func ParseOption(name string) (Option, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, in := range optionInfo {
		if in.name == n {
			return in.opt, nil
		}
	}
	return 0, fmt.Errorf("anonymize: unknown option %q", name)
}

// validate rejects combinations the standard forbids.
func (o Option) validate() error {
	if o&^(optionEnd-1) != 0 {
		return fmt.Errorf("anonymize: unknown option bits 0x%x", uint16(o&^(optionEnd-1)))
	}
	if o&RetainLongitudinalFullDates != 0 && o&RetainLongitudinalModifiedDates != 0 {
		return errors.New("anonymize: retain-full-dates and retain-modified-dates exclude each other (PS3.15 E.3.6)")
	}
	return nil
}

// AgeRule says what happens to Patient's Age when Retain Patient
// Characteristics keeps it.
type AgeRule int

const (
	// AgeKeep keeps Patient's Age as it is (the default).
	AgeKeep AgeRule = iota
	// AgeCoarsen rounds Patient's Age down to a 5-year band and caps it
	// at 090Y, the usual rule for research exports: exact ages of the
	// very old are rare enough to identify.
	AgeCoarsen
)

// Profile is a named set of choices: the PS3.15 options plus the radkit
// settings that go with them. The named profiles are listed in the package
// documentation and returned by [Profiles].
type Profile struct {
	Name string
	// Options are the PS3.15 options applied.
	Options Option
	// Age applies when Options retains patient characteristics.
	Age AgeRule
	// NeedsPseudonyms means the profile cannot run without
	// [Options.Pseudonyms]: the identity must come from the caller (the
	// Cristal donor record number), never from the key.
	NeedsPseudonyms bool
	// Description is one line for help texts.
	Description string
}

// Profiles returns the named profiles, in a stable order.
func Profiles() []Profile {
	return []Profile{
		{
			Name:        "basic",
			Description: "PS3.15 Basic Profile alone: identity, dates and descriptions removed, UIDs and patient replaced by keyed values",
		},
		{
			Name: "cristal",
			Options: RetainLongitudinalModifiedDates | RetainPatientCharacteristics | RetainDeviceIdentity |
				CleanDescriptors | CleanStructuredContent | CleanGraphics | CleanPixelData,
			NeedsPseudonyms: true,
			Description:     "Cristal Image organ-donor transfer: identity replaced by the donor record number, shifted dates, age/sex/size/weight and device kept",
		},
		{
			Name: "teleexpertise",
			Options: RetainPatientCharacteristics | CleanDescriptors | CleanStructuredContent |
				CleanGraphics | CleanPixelData,
			Description: "anonymous second opinion (téléexpertise): no dates, no identity, clinical descriptions cleaned, age/sex/size/weight kept",
		},
		{
			Name: "research",
			Options: RetainLongitudinalModifiedDates | RetainPatientCharacteristics | RetainSafePrivate |
				CleanDescriptors | CleanStructuredContent | CleanGraphics | CleanPixelData,
			Age:         AgeCoarsen,
			Description: "pseudonymised research export: keyed linkage identifier (LinkageID), shifted dates, coarsened age, safe private attributes",
		},
	}
}

// ProfileByName returns the named profile ("basic", "cristal",
// "teleexpertise", "research").
func ProfileByName(name string) (Profile, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range Profiles() {
		if p.Name == n {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("anonymize: unknown profile %q (want basic, cristal, teleexpertise or research)", name)
}

// PrivateTag names a private attribute the way PS3.15 E.3.10 and PS3.5 7.8
// do: by its private creator, its group and its element offset within the
// creator's block (the low byte of the element number), never by raw tag,
// since the block a creator gets differs from file to file.
type PrivateTag struct {
	Creator string
	Group   uint16
	Offset  uint8
}

// PixelRule blanks rectangles of the image when an object matches it.
// Empty match fields match anything; text fields match case-insensitively
// as prefixes, after trimming. Rows and Columns of 0 match any size.
type PixelRule struct {
	Name         string
	Modality     string
	Manufacturer string
	Model        string
	Rows         int
	Columns      int
	// Rects are blanked, in pixel coordinates (clipped to the image).
	Rects []image.Rectangle
	// MammographyLabels blanks the label region opposite the chest wall
	// as RSNA CTP does: the side where the breast is not, found from
	// the pixel values, over the outer third of the width.
	MammographyLabels bool
}

// DefaultPixelRules are the rules used when [Options.PixelRules] is nil:
// the mammography label rule. Real devices place their burned-in text in
// vendor-specific places; callers add a rule per device (manufacturer,
// model, image size), as RSNA CTP's pixel anonymizer script does.
func DefaultPixelRules() []PixelRule {
	return []PixelRule{{Name: "mammography labels", Modality: "MG", MammographyLabels: true}}
}

// PatientRef is what a caller-supplied pseudonym lookup receives. It holds
// personal data: its LogValue redacts it.
type PatientRef struct {
	// PatientID and IssuerOfPatientID are those of the object.
	PatientID         string
	IssuerOfPatientID string
	// INS is the national health identifier (INS-NIR matricule) found in
	// Other Patient IDs Sequence, "" if absent.
	INS string
	// StudyInstanceUID and AccessionNumber are the originals, for
	// lookups keyed by study (a Cristal transfer is per donor study).
	StudyInstanceUID string
	AccessionNumber  string
}

// LogValue redacts the identifiers: a PatientRef must never reach a log.
func (p PatientRef) LogValue() slog.Value { return slog.StringValue("REDACTED_PATIENT") }

// PseudonymFunc returns the pseudonym of a patient (it becomes Patient ID
// and Patient's Name), for instance the Cristal donor record number. It
// must be safe for concurrent use. Returning an error refuses the file;
// wrap [ErrNoPseudonym] when the patient is unknown.
type PseudonymFunc func(ctx context.Context, p PatientRef) (string, error)

// ErrNoPseudonym means the pseudonym lookup does not know the patient.
var ErrNoPseudonym = errors.New("anonymize: no pseudonym for this patient")

// Options configure an [Anonymizer]. The zero value, with a Key, is the
// Basic Profile with keyed UIDs and pseudonyms.
type Options struct {
	// Profile holds the PS3.15 options and their settings; the zero
	// value is the Basic Profile. Use [ProfileByName] for a named one.
	Profile Profile

	// Key is the secret from which UIDs, pseudonyms and date shifts are
	// derived (HMAC-SHA256). Required, at least 16 bytes. The same key
	// gives the same output, in any hospital; without it nobody can link
	// outputs to inputs.
	Key []byte

	// Pseudonyms, when non-nil, supplies the patient pseudonym instead of
	// the key (the Cristal donor record number, a research subject
	// number). See [PseudonymMap].
	Pseudonyms PseudonymFunc

	// SafePrivate lists the private attributes kept under Retain Safe
	// Private. nil means [DefaultSafePrivate].
	SafePrivate []PrivateTag

	// PixelRules choose the rectangles blanked under Clean Pixel Data.
	// nil means [DefaultPixelRules]; an empty non-nil slice means none.
	PixelRules []PixelRule

	// AllowBurnedIn lets through an object that may carry burned-in
	// identity (Burned In Annotation YES, or modality US, SC, XC, ES, OT)
	// when no pixel rule cleans it. Off by default: such a file is
	// refused with a [*BurnedInError].
	AllowBurnedIn bool

	// ReidentificationKey, when set (32 bytes), makes each result carry
	// the original identifiers sealed with AES-256-GCM under this key,
	// which must differ from Key. Off by default.
	ReidentificationKey []byte

	// MaxShiftDays bounds the per-patient date shift (modified dates):
	// dates move back by 1 to MaxShiftDays days. 0 means 3652 (ten
	// years).
	MaxShiftDays int

	// Logger receives debug events (tags and actions, never values).
	// nil is silent.
	Logger *slog.Logger
}

func (o *Options) validate() error {
	if err := o.Profile.Options.validate(); err != nil {
		return err
	}
	if len(o.Key) < 16 {
		return errors.New("anonymize: Options.Key must hold at least 16 bytes of secret")
	}
	if o.Profile.NeedsPseudonyms && o.Pseudonyms == nil {
		return fmt.Errorf("anonymize: profile %s needs Options.Pseudonyms (the donor record numbers)", o.Profile.Name)
	}
	if o.ReidentificationKey != nil {
		if len(o.ReidentificationKey) != 32 {
			return errors.New("anonymize: Options.ReidentificationKey must be 32 bytes (AES-256)")
		}
		if slices.Equal(o.ReidentificationKey, o.Key) {
			return errors.New("anonymize: the re-identification key must differ from the pseudonymisation key")
		}
	}
	if o.MaxShiftDays < 0 {
		return errors.New("anonymize: MaxShiftDays is negative")
	}
	return nil
}
