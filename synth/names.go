package synth

// Name and place lists for the identity generator. Every string is
// representable in ISO 8859-1 (no "œ", which Latin-1 lacks), so that the
// default character set can always encode them; the accents, apostrophes,
// hyphens and spaces are deliberate: they are what breaks naive character
// set and name handling.

var femaleGiven = []string{
	"Marie", "Hélène", "Françoise", "Noémie", "Gaëlle", "Béatrice", "Anaïs",
	"Chloé", "Céline", "Élodie", "Sylvie", "Véronique", "Agnès", "Maëlle",
	"Zoé", "Solène", "Josiane", "Geneviève", "Mireille", "Thérèse", "Adèle",
	"Léa", "Inès", "Aurélie", "Émilie", "Cécile", "Valérie", "Nathalie",
	"Brigitte", "Danièle", "Ghislaine", "Renée", "Joëlle", "Raphaëlle",
	"Marie-Hélène", "Anne-Sophie", "Marie-Thérèse", "Marie-José", "Héloïse",
	"Laëtitia", "Capucine", "Ségolène", "Nadège", "Fatima", "Yasmine",
}

var maleGiven = []string{
	"Jean-François", "Loïc", "François", "Jérôme", "Hervé", "Benoît",
	"Stéphane", "Frédéric", "Gaël", "Noël", "Jean-Loup", "Mathéo", "Théo",
	"Raphaël", "Joël", "Cédric", "Sébastien", "Rémi", "André",
	"Jean-Baptiste", "Pierre-Yves", "Yannick", "Éric", "Grégoire", "Aimé",
	"Jérémie", "Clément", "Étienne", "Jean-Marc", "Lucien", "Anaël", "Karim",
}

var familyNames = []string{
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
	"Durand", "Leroy", "Moreau", "Lefèvre", "Lefèbvre", "Dupré", "Gérard",
	"Mercier", "Boyer", "Garnier", "Chevalier", "François", "Legrand",
	"Gauthier", "Rousseau", "Fontaine", "Lemaître", "Béranger", "D'Aubigné",
	"Le Goff", "Le Bihan", "Kerouédan", "Hélias", "Ménard", "Pérez",
	"Gonçalves", "Nguyen", "Benali", "Château", "Lacroix", "Laforêt", "Brûlé",
	"Mézière", "de La Tour", "Citroën", "Noël", "Lécuyer", "Bréhaut",
	"N'Diaye", "Delaunay", "Désiré", "Chérif", "Hoarau", "Grégoire",
	"Saint-Étienne", "Vallée", "Josserand", "Prévost", "Bouchard",
}

// city is a commune with its INSEE code: the département (two characters,
// "2A"/"2B" in Corsica, three for overseas) and the commune number.
type city struct {
	dept     string // département code as written in addresses: "75", "2A", "971"
	postcode string
	name     string
	insee    string // five-character INSEE commune code
}

// residenceCities are where patients live and institutions are (mainland
// départements, where the FINESS number is purely numeric).
var residenceCities = []city{
	{"75", "75012", "Paris", "75112"},
	{"75", "75015", "Paris", "75115"},
	{"69", "69003", "Lyon", "69383"},
	{"13", "13005", "Marseille", "13205"},
	{"31", "31000", "Toulouse", "31555"},
	{"33", "33000", "Bordeaux", "33063"},
	{"59", "59000", "Lille", "59350"},
	{"59", "59100", "Roubaix", "59512"},
	{"44", "44000", "Nantes", "44109"},
	{"44", "44600", "Saint-Nazaire", "44184"},
	{"67", "67000", "Strasbourg", "67482"},
	{"35", "35000", "Rennes", "35238"},
	{"34", "34000", "Montpellier", "34172"},
	{"34", "34500", "Béziers", "34032"},
	{"06", "06000", "Nice", "06088"},
	{"38", "38000", "Grenoble", "38185"},
	{"76", "76000", "Rouen", "76540"},
	{"76", "76600", "Le Havre", "76351"},
	{"29", "29200", "Brest", "29019"},
	{"29", "29000", "Quimper", "29232"},
	{"63", "63000", "Clermont-Ferrand", "63113"},
	{"21", "21000", "Dijon", "21231"},
	{"87", "87000", "Limoges", "87085"},
	{"51", "51100", "Reims", "51454"},
	{"37", "37000", "Tours", "37261"},
	{"64", "64000", "Pau", "64445"},
	{"64", "64100", "Bayonne", "64102"},
	{"74", "74000", "Annecy", "74010"},
	{"80", "80000", "Amiens", "80021"},
	{"57", "57000", "Metz", "57463"},
	{"86", "86000", "Poitiers", "86194"},
	{"01", "01000", "Bourg-en-Bresse", "01053"},
	{"09", "09000", "Foix", "09122"},
}

// birthPlaces adds Corsica and overseas départements to the residence
// cities: NIRs born there exercise the 2A/2B key rule and the three-digit
// département codes.
var birthPlaces = append(append([]city(nil), residenceCities...),
	city{"2A", "20000", "Ajaccio", "2A004"},
	city{"2B", "20200", "Bastia", "2B033"},
	city{"2A", "20137", "Porto-Vecchio", "2A247"},
	city{"971", "97110", "Pointe-à-Pitre", "97120"},
	city{"974", "97400", "Saint-Denis", "97411"},
	city{"972", "97200", "Fort-de-France", "97209"},
)

// foreignBirth are INSEE country codes (département 99 in the NIR) for
// people born abroad.
var foreignBirth = []string{"352", "350", "351", "139", "127", "134", "109"}

var streetKinds = []string{"rue", "avenue", "boulevard", "place", "impasse", "chemin", "allée", "quai"}

var streetNames = []string{
	"Victor-Hugo", "Jean-Jaurès", "Gambetta", "de l'Église", "de la République",
	"des Érables", "des Prés", "des Châtaigniers", "du Général-Leclerc",
	"Émile-Zola", "de la Forêt", "du Château-d'Eau", "Pasteur", "des Lilas",
	"Sainte-Thérèse", "du Maréchal-Foch", "Clemenceau", "de Verdun",
	"des Écoles", "du Moulin", "Aristide-Briand", "Saint-Exupéry",
}

var institutionForms = []string{
	"Centre d'imagerie médicale de %s",
	"Centre hospitalier de %s",
	"CHU de %s",
	"Clinique Sainte-Anne, %s",
	"Cabinet de radiologie du Parc, %s",
	"Institut de sénologie de %s",
}
