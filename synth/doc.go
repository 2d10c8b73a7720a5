// Package synth generates synthetic DICOM studies for tests, examples and
// benchmarks, because no patient data may ever be used for them.
//
// A study is a pure function of a [Kind] and [Options]: the same seed gives
// the same bytes on every machine and every run, so tests can assert on
// digests and benchmarks compare like with like. Nothing reads the clock
// or the environment.
//
// The data is built to exercise the code that real French data breaks:
//
//   - The patient ([Patient], [NewPatient]) has accented, compound and
//     apostrophe names, a birth name that differs from the used name, a NIR
//     with a correct key (Corsican and overseas départements included), the
//     INS in the Other Patient IDs Sequence, an address and a phone number.
//     Physicians carry RPPS numbers and the institution a FINESS number;
//     [ValidNIR], [ValidRPPS] and [ValidFINESS] check them.
//   - Identifying data is everywhere de-identification must look: top-level
//     attributes, nested sequences (Request Attributes, Referenced Patient,
//     Other Patient IDs, Referring Physician Identification), a private
//     block, the SR content tree, and burned into the pixels of the
//     ultrasound and secondary capture images, where [BurnedInText] gives
//     the ground-truth rectangles.
//   - Pixels are phantoms with smooth anatomy, edges and fine noise, so that
//     compression ratios and codec speeds are meaningful, unlike pure noise
//     or flat images.
//   - Every object passes dciodvfy (dicom3tools) without errors and is read
//     by DCMTK and pydicom; the package tests check this when the tools are
//     installed.
//
// [Study] streams objects one at a time; tomosynthesis pixel data is a
// [github.com/radkit/radkit/dicomio.ValueSource] computed frame by frame at
// write time, so a gigabyte object is written in bounded memory.
// [WriteStudy] writes Part 10 files to a directory.
//
// The generated identities are not real people, but they are shaped like
// real personal data: [Patient.LogValue] redacts them like real data.
package synth
