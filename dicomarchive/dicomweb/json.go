package dicomweb

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/radkit/radkit/dicomio"
)

// attr is one attribute of a DICOM JSON object (PS3.18 F.2).
type attr struct {
	VR          string `json:"vr"`
	Value       []any  `json:"Value,omitempty"`
	InlineBin   string `json:"InlineBinary,omitempty"`
	BulkDataURI string `json:"BulkDataURI,omitempty"`
}

type object map[string]attr

func tagKey(t dicomio.Tag) string { return fmt.Sprintf("%08X", uint32(t)) }

func (o object) str(t dicomio.Tag, vr string, v ...string) {
	var vals []any
	for _, s := range v {
		if s != "" {
			vals = append(vals, s)
		}
	}
	o[tagKey(t)] = attr{VR: vr, Value: vals}
}

func (o object) pn(t dicomio.Tag, v string) {
	if v == "" {
		o[tagKey(t)] = attr{VR: "PN"}
		return
	}
	o[tagKey(t)] = attr{VR: "PN", Value: []any{personName(v)}}
}

func (o object) num(t dicomio.Tag, vr string, v int) {
	o[tagKey(t)] = attr{VR: vr, Value: []any{v}}
}

// personName splits a PN value into its component groups.
func personName(v string) map[string]string {
	g := strings.SplitN(v, "=", 3)
	m := map[string]string{}
	for i, k := range []string{"Alphabetic", "Ideographic", "Phonetic"} {
		if i < len(g) && g[i] != "" {
			m[k] = g[i]
		}
	}
	return m
}

// datasetJSON renders a whole data set as DICOM JSON. Pixel data and other
// large binary values become BulkDataURIs under bulk (when bulk is ""
// they are left out).
func datasetJSON(ds *dicomio.Dataset, bulk string) object {
	o := object{}
	for _, e := range ds.Elements() {
		t := e.Tag
		if t.Group() == 0x0002 || t.IsGroupLength() {
			continue
		}
		vr := e.VR.String()
		a := attr{VR: vr}
		switch {
		case vr == "SQ":
			for _, it := range e.Items {
				a.Value = append(a.Value, datasetJSON(it, ""))
			}
		case vr == "PN":
			vals, _ := ds.Strings(t)
			for _, v := range vals {
				a.Value = append(a.Value, personName(v))
			}
		case vr == "IS" || vr == "DS":
			vals, _ := ds.Strings(t)
			for _, v := range vals {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					a.Value = append(a.Value, f)
				}
			}
		case vr == "AT":
			for _, v := range e.Uint32s() {
				a.Value = append(a.Value, fmt.Sprintf("%04X%04X", v&0xffff, v>>16))
			}
		case e.VR.IsString():
			vals, _ := ds.Strings(t)
			for _, v := range vals {
				a.Value = append(a.Value, v)
			}
		case vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" || vr == "UV" || vr == "SV":
			for _, v := range e.Ints() {
				a.Value = append(a.Value, v)
			}
		case vr == "FL" || vr == "FD":
			var fs []float64
			if vr == "FL" {
				for _, f := range e.Float32s() {
					fs = append(fs, float64(f))
				}
			} else {
				fs = e.Float64s()
			}
			for _, f := range fs {
				a.Value = append(a.Value, f)
			}
		default: // OB, OW, OF, OD, OL, OV, UN
			if t == dicomio.TagPixelData || e.Fragments != nil || e.ValueLength() > 1024 {
				if bulk == "" {
					continue
				}
				a.BulkDataURI = bulk
			} else if len(e.Value) > 0 {
				a.InlineBin = base64.StdEncoding.EncodeToString(e.Value)
			}
		}
		o[tagKey(t)] = a
	}
	return o
}
