package dicomio

// The data dictionary (dict_gen.go) is generated from the PS3.6 table kept
// in the shared directory beside the repository; the generated file is
// committed, so building needs neither.

//go:generate go run ../internal/gen/dictgen -in ../../shared/dicom-standard/attributes.json -out dict_gen.go
