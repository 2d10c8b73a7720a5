package dicomio

// dictVR is the VR the dictionary gives t, resolving the dictionary's
// alternatives to the most common choice, and UN for unknown tags. Decoding
// implicit-VR data uses [vrForImplicit], which also looks at the data set.
func dictVR(t Tag) VR {
	switch {
	case t.IsGroupLength():
		return UL
	case t.IsPrivateCreator():
		return LO
	}
	e, ok := LookupTag(t)
	if !ok {
		return UN
	}
	switch e.VR {
	case "OB or OW", "US or OW":
		return OW
	case "US or SS", "US or SS or OW":
		return US
	case "":
		return UN
	}
	if v := NewVR(e.VR); v.Valid() {
		return v
	}
	return UN
}

// vrForImplicit resolves the VR of an implicit-VR element. PS3.5 A.1 (c):
// pixel data is OW in implicit VR; "US or SS" attributes follow Pixel
// Representation (0028,0103) of the enclosing data set.
func vrForImplicit(t Tag, ds *Dataset) VR {
	if t == TagPixelData {
		return OW
	}
	e, ok := LookupTag(t)
	if ok && (e.VR == "US or SS" || e.VR == "US or SS or OW") {
		for s := ds; s != nil; s = s.parent {
			if pr := s.Get(TagPixelRepresentation); pr != nil && len(pr.Value) >= 2 {
				if pr.Value[0] == 1 {
					return SS
				}
				return US
			}
		}
		return US
	}
	return dictVR(t)
}
