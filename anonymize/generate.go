package anonymize

// The action table (profile_gen.go) is generated from PS3.15 Table E.1-1
// kept in the shared directory beside the repository; the generated file is
// committed, so building needs neither. TestProfileTableFresh fails when it
// is stale.

//go:generate go run ../internal/gen/confprofile -in ../../shared/dicom-standard/confidentiality_profile_attributes.json -out profile_gen.go
