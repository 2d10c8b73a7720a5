package indicators

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/radkit/radkit/internal/atomicfile"
	"github.com/radkit/radkit/screening"
)

// Sum adds up the rows whose key keep accepts (nil: all) into one row
// keyed by the first of them. People screened in several cells count
// once per cell.
func Sum(rows []Row, keep func(Key) bool) Row {
	var out Row
	first := true
	for i := range rows {
		r := &rows[i]
		if keep != nil && !keep(r.Key) {
			continue
		}
		if first {
			out.Key, out.PeriodYears, first = r.Key, r.PeriodYears, false
		}
		out.Population += r.Population
		out.Counts.Add(&r.Counts)
	}
	return out
}

func ofProgramme(p screening.Programme) func(Key) bool {
	return func(k Key) bool { return k.Programme == p }
}

// positives returns the positive screens of a row: for the breast,
// mammograms positive before workup at L1 or L2.
func (r *Row) positives() int {
	if r.Programme == screening.Breast {
		return r.L1PositiveBeforeWorkup + r.L2Positive
	}
	return r.Positive
}

// FunnelChart draws the participation funnel of programme p over all the
// rows: INSEE population (when given), invitations, invitations
// answered, people screened, positive screens, cancers.
func FunnelChart(rows []Row, p screening.Programme) (*plot.Plot, error) {
	t := Sum(rows, ofProgramme(p))
	type step struct {
		name string
		n    int
	}
	steps := []step{}
	if t.Population > 0 {
		steps = append(steps, step{"INSEE population", t.Population})
	}
	steps = append(steps,
		step{"invitations", t.Invitations},
		step{"answered in 12 months", t.InvitationsAnswered},
		step{"screened", t.Screened},
		step{"positive screens", t.positives()},
		step{"cancers detected", t.Cancers})
	// Top of the funnel at the top of the chart.
	vals := make(plotter.Values, len(steps))
	names := make([]string, len(steps))
	labels := plotter.XYLabels{}
	for i, s := range steps {
		j := len(steps) - 1 - i
		vals[j] = float64(s.n)
		names[j] = "  " + s.name // gonum measures nominal labels a little short
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(s.n), Y: float64(j)})
		labels.Labels = append(labels.Labels, fmt.Sprintf(" %d", s.n))
	}
	pl := plot.New()
	pl.Title.Padding = vg.Points(6)
	pl.Title.Text = fmt.Sprintf("%s screening: participation funnel", p)
	if !math.IsNaN(t.Participation()) {
		pl.Title.Text += fmt.Sprintf(" (participation %.1f %%)", 100*t.Participation())
	}
	pl.X.Label.Text = "people or tests, all periods and départements"
	pl.X.Tick.Marker = plainTicks{}
	bars, err := plotter.NewBarChart(vals, vg.Points(22))
	if err != nil {
		return nil, err
	}
	bars.Horizontal = true
	bars.Color = plotutil.Color(0)
	bars.LineStyle.Width = 0
	pl.Add(bars)
	lab, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	pl.Add(lab)
	pl.NominalY(names...)
	pl.X.Min = 0
	pl.X.Max = 1.15 * math.Max(1, vals[len(vals)-1])
	for _, v := range vals {
		pl.X.Max = math.Max(pl.X.Max, 1.15*v)
	}
	return pl, nil
}

// DelayChart draws the distribution of the délai from mammogram to
// second reading (annexe III, L976) over all the breast rows, with the
// share of negative results sent within 15 days (L759) in the title.
func DelayChart(rows []Row) (*plot.Plot, error) {
	t := Sum(rows, ofProgramme(screening.Breast))
	vals := make(plotter.Values, screening.DelayBuckets)
	for i := range vals {
		vals[i] = float64(t.MammogramToL2[i])
	}
	pl := plot.New()
	pl.Title.Text = "Breast: days from mammogram to second reading"
	pl.X.Label.Text = "days"
	if v := t.MeanMammogramToL2(); !math.IsNaN(v) {
		pl.X.Label.Text += fmt.Sprintf(" (mean %.1f", v)
		if v := t.ResultsOnTime(); !math.IsNaN(v) {
			pl.X.Label.Text += fmt.Sprintf("; results sent within 15 days: %.1f %%", 100*v)
		}
		pl.X.Label.Text += ")"
	}
	pl.Y.Label.Text = "second readings"
	pl.Y.Tick.Marker = plainTicks{}
	bars, err := plotter.NewBarChart(vals, vg.Points(40))
	if err != nil {
		return nil, err
	}
	bars.Color = plotutil.Color(1)
	bars.LineStyle.Width = 0
	pl.Add(bars)
	b := screening.DelayBucketBounds()
	names := []string{fmt.Sprintf("0-%d", b[0])}
	for i := 1; i < len(b); i++ {
		names = append(names, fmt.Sprintf("%d-%d", b[i-1]+1, b[i]))
	}
	names = append(names, fmt.Sprintf("> %d", b[len(b)-1]))
	pl.NominalX(names...)
	pl.Y.Min, pl.Y.Max = 0, 1.1*math.Max(1, maxOf(vals))
	pl.Title.Padding = vg.Points(6)
	return pl, nil
}

// DepartmentChart draws, for programme p, the participation, the
// positivity and the fidelity of each département over all periods, in
// per cent (L953: regional indicators "déclinés par département").
func DepartmentChart(rows []Row, p screening.Programme) (*plot.Plot, error) {
	depts := map[string]bool{}
	for _, r := range rows {
		if r.Programme == p {
			depts[r.Department] = true
		}
	}
	names := make([]string, 0, len(depts))
	for d := range depts {
		names = append(names, d)
	}
	sort.Strings(names)
	series := []struct {
		name string
		f    func(*Row) float64
	}{
		{"participation", (*Row).Participation},
		{"positivity", func(r *Row) float64 {
			if p == screening.Breast {
				return r.PositivityBeforeWorkup()
			}
			return r.PositivityRate()
		}},
		{"fidelity", (*Row).Fidelity},
	}
	if p == screening.Cervical {
		series = series[:2]
	}
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s screening: indicators by département", p)
	pl.Y.Label.Text = "%"
	pl.Legend.Top = true
	w := vg.Points(math.Max(3, math.Min(14, 600/float64(max(1, len(names)*len(series))))))
	for i, s := range series {
		vals := make(plotter.Values, len(names))
		for j, d := range names {
			t := Sum(rows, func(k Key) bool { return k.Programme == p && k.Department == d })
			v := s.f(&t)
			if math.IsNaN(v) {
				v = 0
			}
			vals[j] = 100 * v
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(i-len(series)/2)
		if len(series)%2 == 0 {
			bars.Offset += w / 2
		}
		pl.Add(bars)
		pl.Legend.Add(s.name, bars)
	}
	pl.NominalX(names...)
	if len(names) > 20 {
		pl.X.Tick.Label.Rotation = math.Pi / 2
		pl.X.Tick.Label.XAlign = -1
		pl.X.Tick.Label.YAlign = -0.5
	}
	pl.Y.Min, pl.Y.Max = 0, 100
	return pl, nil
}

func maxOf(vs plotter.Values) float64 {
	m := math.Inf(-1)
	for _, v := range vs {
		m = math.Max(m, v)
	}
	return m
}

// plainTicks labels ticks without trailing zeros ("2500", not
// "2500.00").
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
		}
	}
	return ts
}

// WritePNG writes the plot as a PNG of w × h points.
func WritePNG(w io.Writer, pl *plot.Plot, width, height vg.Length) error {
	wt, err := pl.WriterTo(width, height, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// WriteCharts writes the PNG charts of the rows into dir (created if
// needed), each file atomically: funnel-<programme>.png and
// departments-<programme>.png for each programme with rows, and
// delays.png when there are breast second readings. It returns the paths
// written.
func WriteCharts(dir string, rows []Row) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	write := func(name string, pl *plot.Plot, w, h vg.Length) error {
		path := filepath.Join(dir, name)
		err := atomicfile.WriteFile(path, 0o644, func(out io.Writer) error { return WritePNG(out, pl, w, h) })
		if err == nil {
			paths = append(paths, path)
		}
		return err
	}
	for _, p := range screening.Programmes() {
		n, depts := 0, map[string]bool{}
		for _, r := range rows {
			if r.Programme == p {
				n++
				depts[r.Department] = true
			}
		}
		if n == 0 {
			continue
		}
		pl, err := FunnelChart(rows, p)
		if err != nil {
			return paths, err
		}
		if err := write("funnel-"+p.String()+".png", pl, 18*vg.Centimeter, 10*vg.Centimeter); err != nil {
			return paths, err
		}
		pl, err = DepartmentChart(rows, p)
		if err != nil {
			return paths, err
		}
		width := vg.Length(math.Max(16, math.Min(60, 1.2*float64(len(depts))))) * vg.Centimeter
		if err := write("departments-"+p.String()+".png", pl, width, 11*vg.Centimeter); err != nil {
			return paths, err
		}
	}
	if t := Sum(rows, ofProgramme(screening.Breast)); t.L2Readings > 0 {
		pl, err := DelayChart(rows)
		if err != nil {
			return paths, err
		}
		if err := write("delays.png", pl, 16*vg.Centimeter, 10*vg.Centimeter); err != nil {
			return paths, err
		}
	}
	return paths, nil
}
