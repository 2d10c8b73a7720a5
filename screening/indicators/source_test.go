package indicators_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/radkit/radkit/internal/testutil"
	"github.com/radkit/radkit/screening"
)

// TestIndicatorsCiteTheSeed: each indicator's doc comment cites a line of
// the arrêté, and that line of the Légifrance text says what the
// indicator is.
func TestIndicatorsCiteTheSeed(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "seeds", screening.SeedFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "’", "'"), "\n")
	docs := map[string]string{}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "indicators.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Doc != nil {
			docs[fd.Name.Name] = fd.Doc.Text()
		}
	}
	for _, c := range []struct {
		method string
		line   int
		quote  string
	}{
		{"ParticipationINSEE", 987, "taux de participation INSEE"},
		{"PositivityBeforeWorkup", 993, "positives avant bilan de diagnostic en première lecture ou en deuxième lecture"},
		{"PositivityAfterWorkup", 995, "positives après bilan de diagnostic immédiat"},
		{"Discordance", 899, "« BI-RADS ACR 1-2 » en L1 et « BI-RADS ACR 0-3-4-5 » en L2"},
		{"CTIRate", 897, "clichés techniquement insuffisants"},
		{"DetectionRate", 1003, "taux de cancers détectés"},
		{"InSituShare", 1004, "in situ parmi les cancers détectés"},
		{"SmallInvasiveShare", 1005, "cancers invasifs ≤ 10 mm parmi les cancers invasifs de taille connue"},
		{"PPV", 1463, "valeur positive prédictive (VPP) d'au moins 8 à 10 % pour les cancers"},
		{"PositivityRate", 1463, "le pourcentage de résultats positifs"},
		{"Fidelity", 967, "taux de fidélisation"},
		{"LostRate", 1001, "dépistage positif perdues de vue"},
		{"MeanMammogramToL2", 976, "la date de la mammographie et la date de la deuxième lecture"},
		{"ResultsOnTime", 759, "n'excédant pas 15 jours après la réalisation de la mammographie"},
		{"LabOnTimeRate", 1485, "dans les 48 heures ouvrées, après la lecture"},
	} {
		doc, ok := docs[c.method]
		if !ok {
			t.Errorf("no documented method %s", c.method)
			continue
		}
		if !strings.Contains(doc, "L"+strconv.Itoa(c.line)) {
			t.Errorf("%s does not cite L%d: %q", c.method, c.line, doc)
		}
		if !strings.Contains(lines[c.line-1], c.quote) {
			t.Errorf("%s: L%d does not say %q", c.method, c.line, c.quote)
		}
	}
}
