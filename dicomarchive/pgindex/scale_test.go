package pgindex_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/radkit/radkit/dicomarchive"
	"github.com/radkit/radkit/dicomarchive/pgindex"
	"github.com/radkit/radkit/internal/testutil"
)

// scaleEnv sets the number of instances BenchmarkQueryScale loads
// (default 1,000,000: the target).
const scaleEnv = "PGINDEX_SCALE_INSTANCES"

// scaleDSNEnv, when set, names a database to load once and keep (the
// benchmark loads it if it is empty), to compare query plans without
// reloading; by default each run loads a fresh database.
const scaleDSNEnv = "PGINDEX_SCALE_DSN"

// syllables make synthetic family names: three of them give 8,000
// names, so that a two-syllable prefix selects about 1/400 of the
// patients and a one-syllable prefix 1/20.
var syllables = []string{"BER", "MAR", "DU", "LE", "PON", "TIN", "ROU", "GAR", "CHA", "MOR",
	"VAL", "FON", "BEL", "LAU", "RI", "NA", "SI", "TO", "GUE", "DEL"}

// loadScale fills the index of dsn with n instances: n/5 series of 5
// instances, n/10 studies of 2 series (CT, MR, US, MG), n/20 patients of
// 2 studies each, study dates spread over ten years. The rows are made
// by the server (generate_series), the way bulk imports would arrive,
// not through PutInstance: this measures queries, not ingest.
func loadScale(b *testing.B, ix *pgindex.Index, n int) {
	ctx := context.Background()
	syl := "ARRAY['" + syllables[0]
	for _, s := range syllables[1:] {
		syl += "','" + s
	}
	syl += "']"
	studies, patients := n/10, n/20
	stmts := []string{
		`ALTER TABLE instances SET (autovacuum_enabled = false)`,
		fmt.Sprintf(`INSERT INTO patients (pkey, patient_id, issuer, name, name_fold, birth_date, sex)
			SELECT i, 'IPP' || lpad(i::text, 9, '0'), 'HOSP', f || '^JEAN', f || ' JEAN', (1940 + i %% 50)::text || '0101', CASE WHEN i %% 2 = 0 THEN 'F' ELSE 'M' END
			FROM generate_series(1, %d) i,
			LATERAL (SELECT (%s)[1 + i %% 20] || (%s)[1 + (i / 20) %% 20] || (%s)[1 + (i / 400) %% 20] AS f) x`, patients, syl, syl, syl),
		`INSERT INTO patient_aliases SELECT patient_id, issuer, pkey FROM patients`,
		fmt.Sprintf(`INSERT INTO studies (study_uid, pkey, study_date, study_time, accession, referring, referring_fold, description, study_id, created_at,
			orig_patient_id, orig_issuer, orig_name, orig_birth_date, orig_sex, orig_ins)
			SELECT '1.2.826.0.1.' || j, 1 + (j - 1) %% %d, to_char(date '2015-01-01' + (j * 7919) %% 3650, 'YYYYMMDD'), lpad(((j %% 10) * 10000)::text, 6, '0'),
				'ACC' || j, '', '', 'exam', '1', now(), '', '', '', '', '', ''
			FROM generate_series(1, %d) j`, patients, studies),
		fmt.Sprintf(`INSERT INTO series SELECT '1.2.826.0.2.' || k, '1.2.826.0.1.' || (1 + (k - 1) / 2), (ARRAY['CT','MR','US','MG'])[1 + k %% 4], k %% 2 + 1, '', ''
			FROM generate_series(1, %d) k`, studies*2),
		fmt.Sprintf(`INSERT INTO instances SELECT '1.2.826.0.3.' || m, '1.2.826.0.2.' || (1 + (m - 1) / 5), '1.2.826.0.1.' || (1 + (m - 1) / 10),
			'1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', m %% 5, 1, sha256(m::text::bytea), 524288, 0, now(), 'bulk'
			FROM generate_series(1, %d) m`, studies*10),
		`ALTER TABLE instances RESET (autovacuum_enabled)`,
	}
	start := time.Now()
	err := ix.Conn(ctx, func(c *pgx.Conn) error {
		for _, s := range stmts {
			if _, err := c.Exec(ctx, s); err != nil {
				return fmt.Errorf("%.60s…: %w", s, err)
			}
		}
		// VACUUM makes the per-study counts index-only; ANALYZE gives
		// the planner the statistics a live database has.
		_, err := c.Exec(ctx, `VACUUM ANALYZE`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d instances, %d studies, %d patients in %v", studies*10, studies, patients, time.Since(start).Round(time.Second))
}

// BenchmarkQueryScale measures the study queries of the scale
// target (p99 ≤ 50 ms at 1,000,000 instances): by patient ID, by name
// prefix and by date range, each with random parameters, one query per
// iteration; it reports p50 and p99 latencies. Loading takes a minute or
// two:
//
//	go test -run '^$' -bench QueryScale -benchtime 400x ./dicomarchive/pgindex/
func BenchmarkQueryScale(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv(scaleEnv); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 100 {
			b.Fatalf("%s=%q: want a number of instances ≥ 100", scaleEnv, s)
		}
	}
	dsn := os.Getenv(scaleDSNEnv)
	if dsn == "" {
		dsn = testutil.Postgres(b)
	}
	ix, err := pgindex.Open(context.Background(), dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	var have int
	err = ix.Conn(context.Background(), func(c *pgx.Conn) error {
		return c.QueryRow(context.Background(), `SELECT count(*) FROM instances`).Scan(&have)
	})
	switch {
	case err != nil:
		b.Fatal(err)
	case have == 0:
		loadScale(b, ix, n)
	case have != n/10*10:
		b.Fatalf("the database of %s holds %d instances, not %d", scaleDSNEnv, have, n/10*10)
	}
	patients := n / 20
	day0 := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		query func(r *rand.Rand) dicomarchive.Query
	}{
		{"PatientID", func(r *rand.Rand) dicomarchive.Query {
			return dicomarchive.Query{PatientID: fmt.Sprintf("IPP%09d", 1+r.IntN(patients))}
		}},
		{"PatientIDPrefix", func(r *rand.Rand) dicomarchive.Query {
			return dicomarchive.Query{PatientID: fmt.Sprintf("IPP%07d*", r.IntN(patients/100+1))}
		}},
		{"NamePrefix2", func(r *rand.Rand) dicomarchive.Query {
			return dicomarchive.Query{PatientName: syllables[r.IntN(20)] + syllables[r.IntN(20)] + "*"}
		}},
		{"NamePrefix1", func(r *rand.Rand) dicomarchive.Query {
			return dicomarchive.Query{PatientName: syllables[r.IntN(20)] + "*"}
		}},
		{"DateWeek", func(r *rand.Rand) dicomarchive.Query {
			from := day0.AddDate(0, 0, r.IntN(3640))
			return dicomarchive.Query{StudyDateFrom: from, StudyDateTo: from.AddDate(0, 0, 6)}
		}},
		{"DateYear", func(r *rand.Rand) dicomarchive.Query {
			from := day0.AddDate(r.IntN(9), 0, 0)
			return dicomarchive.Query{StudyDateFrom: from, StudyDateTo: from.AddDate(1, 0, -1)}
		}},
		{"DateWeekModality", func(r *rand.Rand) dicomarchive.Query {
			from := day0.AddDate(0, 0, r.IntN(3640))
			return dicomarchive.Query{StudyDateFrom: from, StudyDateTo: from.AddDate(0, 0, 6), Modality: "mr"}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			r := rand.New(rand.NewPCG(1, 2))
			lat := make([]time.Duration, 0, b.N)
			empty := 0
			for b.Loop() {
				q := c.query(r)
				t0 := time.Now()
				p, err := ix.QueryStudies(ctx, &q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Items) == 0 {
					empty++
				}
			}
			if empty == len(lat) {
				b.Fatalf("every query returned nothing")
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			// The work of the plans, which the machine's load does not
			// change: buffers touched, on the same kind of queries.
			var bufs []int64
			var server []float64
			r = rand.New(rand.NewPCG(3, 4))
			for range 100 {
				q := c.query(r)
				n, ms, err := ix.StudyQueryCost(ctx, &q)
				if err != nil {
					b.Fatal(err)
				}
				bufs = append(bufs, n)
				server = append(server, ms)
			}
			slices.Sort(bufs)
			slices.Sort(server)
			b.ReportMetric(float64(bufs[len(bufs)/2]), "p50-buffers")
			b.ReportMetric(float64(bufs[len(bufs)-1]), "max-buffers")
			b.ReportMetric(server[len(server)*99/100], "p99-server-ms")
		})
	}
}

// BenchmarkAuditAppend measures appends to the one audit chain from
// concurrent writers (RunParallel, GOMAXPROCS×-cpu goroutines, one
// connection each): the chain head serialises them, so this is the
// ceiling of audited archive calls per second for the whole cluster.
func BenchmarkAuditAppend(b *testing.B) {
	ix, err := pgindex.Open(context.Background(), testutil.Postgres(b), &pgindex.Options{MaxConns: 64})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		e := dicomarchive.AuditEntry{Time: time.Now().UTC(), Principal: "bench", Action: dicomarchive.ActionQuery, Outcome: "ok"}
		for pb.Next() {
			if _, err := ix.Append(context.Background(), e); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
