package main

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/synth"
)

// The synthetic hospital: patients from synth (French names with accents,
// valid NIRs, IPPs), studies spread over twenty years with a realistic
// modality mix, each study's size drawn from what that modality produces.
// Everything derives from the seed, so every backend gets the same rows in
// the same order and query parameters drawn from the plan always match.

const uidRoot = "1.2.250.1.999.42" // a made-up organisation root

var (
	firstDay = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
)

// modality is one kind of exam: how often it happens and how big it is.
type modality struct {
	code      string
	sopClass  string
	weight    int    // relative frequency among studies
	series    [2]int // series per study, min and max
	instances [2]int // instances per series, min and max
	size      int64  // bytes of a typical instance (index metadata only)
	studyDesc []string
	seriesDsc []string
	bodyPart  []string
}

var modalities = []modality{
	{"CT", "1.2.840.10008.5.1.4.1.1.2", 20, [2]int{1, 2}, [2]int{30, 120}, 526_000,
		[]string{"TDM THORACO-ABDO-PELVIENNE", "TDM CÉRÉBRALE SANS INJECTION", "ANGIOSCANNER THORACIQUE", "TDM DU RACHIS LOMBAIRE"},
		[]string{"Sans injection", "Temps portal", "Coupes fines 1 mm", "MIP coronal"},
		[]string{"CHEST", "ABDOMEN", "HEAD", "LSPINE"}},
	{"MR", "1.2.840.10008.5.1.4.1.1.4", 12, [2]int{3, 5}, [2]int{15, 30}, 133_000,
		[]string{"IRM CÉRÉBRALE", "IRM DU GENOU DROIT", "IRM PELVIENNE", "IRM DU RACHIS CERVICAL"},
		[]string{"T1 SE", "T2 FLAIR", "Diffusion", "T1 gado 3D"},
		[]string{"HEAD", "KNEE", "PELVIS", "CSPINE"}},
	{"CR", "1.2.840.10008.5.1.4.1.1.1", 15, [2]int{1, 1}, [2]int{1, 2}, 10_300_000,
		[]string{"RADIOGRAPHIE DU THORAX", "RADIOGRAPHIE DU BASSIN", "RADIOGRAPHIE DE LA CHEVILLE"},
		[]string{"Face", "Profil"},
		[]string{"CHEST", "PELVIS", "ANKLE"}},
	{"DX", "1.2.840.10008.5.1.4.1.1.1.1", 15, [2]int{1, 2}, [2]int{1, 2}, 10_300_000,
		[]string{"RADIOGRAPHIE DU THORAX", "RADIOGRAPHIE DU POIGNET", "RADIOGRAPHIE DU GENOU"},
		[]string{"Face", "Profil", "Trois-quarts"},
		[]string{"CHEST", "HAND", "KNEE"}},
	{"MG", "1.2.840.10008.5.1.4.1.1.1.2", 13, [2]int{1, 1}, [2]int{4, 4}, 27_300_000,
		[]string{"MAMMOGRAPHIE BILATÉRALE DE DÉPISTAGE", "MAMMOGRAPHIE DIAGNOSTIQUE"},
		[]string{"Incidences CC et MLO"},
		[]string{"BREAST"}},
	{"US", "1.2.840.10008.5.1.4.1.1.6.1", 20, [2]int{1, 1}, [2]int{5, 30}, 922_000,
		[]string{"ÉCHOGRAPHIE ABDOMINALE", "ÉCHOGRAPHIE THYROÏDIENNE", "ÉCHO-DOPPLER DES MEMBRES INFÉRIEURS"},
		[]string{"Abdomen", "Thyroïde", "Doppler"},
		[]string{"ABDOMEN", "NECK", "LEG"}},
	{"PT", "1.2.840.10008.5.1.4.1.1.128", 3, [2]int{2, 2}, [2]int{80, 200}, 66_000,
		[]string{"TEP-TDM AU 18F-FDG CORPS ENTIER"},
		[]string{"PET AC", "PET NAC"},
		[]string{"WHOLEBODY"}},
}

// patientPlan is one patient of the plan.
type patientPlan struct {
	id dicomarchive.Identity
}

// studyPlan is one study of the plan; its series and instances are made
// on demand (they would not all fit in memory as records for 10 M rows).
type studyPlan struct {
	n         int // study number, from 1
	patient   int
	mod       int
	date      time.Time // date and time of the study
	accession string
	referring string
	series    []int // instances per series
	instances int
}

// plan is the whole synthetic index.
type plan struct {
	seed      uint64
	patients  []patientPlan
	studies   []studyPlan
	instances int
}

// newPlan draws patients and studies until exactly instances instances
// are planned (the last study is cut to fit). Every patient gets at least
// one study; further studies go preferentially to a minority of patients
// (chronic follow-up), as in a real hospital.
func newPlan(seed uint64, patients, instances int) (*plan, error) {
	if patients <= 0 || instances < patients {
		return nil, fmt.Errorf("need at least one patient and one instance per patient (have %d patients, %d instances)", patients, instances)
	}
	p := &plan{seed: seed, instances: instances}
	rng := rand.New(rand.NewPCG(seed, 0x5ca1e))
	ipps := map[string]bool{}
	for i := range patients {
		sp := synth.NewPatient(seed*1_000_003+uint64(i), synth.PatientOptions{MinAge: 1, MaxAge: 95, At: lastDay})
		ipp := sp.IPP
		for ipps[ipp] {
			ipp = strconv.Itoa(10000000 + rng.IntN(90000000))
		}
		ipps[ipp] = true
		id := dicomarchive.Identity{
			PatientID: ipp,
			Issuer:    "CHU-RADKIT",
			Name:      strings.ToUpper(sp.FamilyName) + "^" + strings.Join(sp.GivenNames, " "),
			BirthDate: sp.BirthDate.Format("20060102"),
			Sex:       sp.Sex,
		}
		if rng.IntN(10) < 6 { // INS qualified for most patients
			id.INS = sp.NIR
		}
		p.patients = append(p.patients, patientPlan{id: id})
	}
	physicians := make([]string, 150)
	for i := range physicians {
		physicians[i] = synth.NewPhysician(seed*7919 + uint64(i)).DICOMName()
	}
	totalWeight := 0
	for _, m := range modalities {
		totalWeight += m.weight
	}
	days := int(lastDay.Sub(firstDay).Hours()/24) + 1
	left := instances
	for n := 1; left > 0; n++ {
		var pat int
		if n <= patients {
			pat = n - 1
		} else {
			// Skewed: a quarter of the patients get most follow-ups.
			pat = rng.IntN(patients)
			if rng.IntN(4) != 0 {
				pat = rng.IntN(max(patients/4, 1))
			}
		}
		w := rng.IntN(totalWeight)
		mi := 0
		for w >= modalities[mi].weight {
			w -= modalities[mi].weight
			mi++
		}
		m := &modalities[mi]
		if m.code == "MG" && p.patients[pat].id.Sex != "F" {
			mi, m = 2, &modalities[2] // a man gets a radiograph instead
		}
		day := firstDay.AddDate(0, 0, rng.IntN(days))
		at := day.Add(time.Duration(7*3600+rng.IntN(12*3600)) * time.Second)
		st := studyPlan{
			n:         n,
			patient:   pat,
			mod:       mi,
			date:      at,
			accession: fmt.Sprintf("A%s%07d", at.Format("06"), n),
			referring: physicians[rng.IntN(len(physicians))],
		}
		ns := m.series[0] + rng.IntN(m.series[1]-m.series[0]+1)
		for range ns {
			k := m.instances[0] + rng.IntN(m.instances[1]-m.instances[0]+1)
			// Keep room for the patients still without a study.
			reserve := max(patients-n, 0)
			k = min(k, left-st.instances-reserve)
			if k <= 0 {
				break
			}
			st.series = append(st.series, k)
			st.instances += k
		}
		if st.instances == 0 {
			st.series = []int{1}
			st.instances = 1
		}
		left -= st.instances
		p.studies = append(p.studies, st)
	}
	return p, nil
}

// studyUID and the others make the UIDs of the plan: short, valid and
// unique under uidRoot.
func studyUID(st *studyPlan) string         { return fmt.Sprintf("%s.1.%d", uidRoot, st.n) }
func seriesUID(st *studyPlan, s int) string { return fmt.Sprintf("%s.2.%d.%d", uidRoot, st.n, s+1) }
func sopUID(st *studyPlan, s, i int) string {
	return fmt.Sprintf("%s.3.%d.%d.%d", uidRoot, st.n, s+1, i+1)
}

// records calls fn with the index record of every instance of st. The
// record is reused between calls. Digests are the SHA-256 of the SOP
// Instance UID: the rows name blobs that the query benchmark never reads.
func (p *plan) records(st *studyPlan, storedAt time.Time, fn func(*dicomarchive.Record) error) error {
	m := &modalities[st.mod]
	pat := &p.patients[st.patient]
	var r dicomarchive.Record
	r.Identity = pat.id
	r.Study = dicomarchive.Study{
		StudyInstanceUID:   studyUID(st),
		StudyDate:          st.date.Format("20060102"),
		StudyTime:          st.date.Format("150405"),
		AccessionNumber:    st.accession,
		ReferringPhysician: st.referring,
		Description:        m.studyDesc[st.n%len(m.studyDesc)],
		StudyID:            strconv.Itoa(st.n % 100000),
	}
	for s, k := range st.series {
		r.Series = dicomarchive.Series{
			SeriesInstanceUID: seriesUID(st, s),
			StudyInstanceUID:  r.Study.StudyInstanceUID,
			Modality:          m.code,
			SeriesNumber:      s + 1,
			Description:       m.seriesDsc[(st.n+s)%len(m.seriesDsc)],
			BodyPart:          m.bodyPart[st.n%len(m.bodyPart)],
		}
		for i := range k {
			sop := sopUID(st, s, i)
			r.Instance = dicomarchive.Instance{
				SOPInstanceUID:    sop,
				SOPClassUID:       m.sopClass,
				SeriesInstanceUID: r.Series.SeriesInstanceUID,
				StudyInstanceUID:  r.Study.StudyInstanceUID,
				TransferSyntaxUID: "1.2.840.10008.1.2.1",
				InstanceNumber:    i + 1,
				NumberOfFrames:    1,
				Digest:            sha256.Sum256([]byte(sop)),
				Size:              m.size + int64(i%7)*512,
				StoredAt:          storedAt,
				StoredBy:          "bench-load",
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
	}
	return nil
}
