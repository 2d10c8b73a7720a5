// Package bench holds the comparison programs and scripts that measure
// radkit against the reference tools (dcmtk, CharLS, OpenJPH, gdcmanon,
// Orthanc, curl) in the same run. Results and the commands that produce
// them are in BENCHMARKS.md at the repository root.
package bench
