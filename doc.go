// Package radkit is an embeddable Go SDK for French medical-imaging and
// cancer-screening workflows.
//
// The module is a set of importable packages, each usable on its own:
//
//   - [github.com/radkit/radkit/dicomio]: reading and writing DICOM Part 10
//     files exactly (character sets, binary VRs, encapsulated pixel data),
//     streaming large objects with bounded memory, typed errors on bad input.
//   - [github.com/radkit/radkit/synth]: deterministic synthetic studies (CT,
//     MR, CR/DX, MG, breast tomosynthesis, US, secondary capture with
//     burned-in text, SR) with realistic French identity data, for tests,
//     examples and benchmarks, since no patient data may be used.
//   - [github.com/radkit/radkit/anonymize]: de-identification to DICOM
//     PS3.15 Annex E.
//   - [github.com/radkit/radkit/dicomarchive]: a tiered, tamper-evident
//     archive, and its pixel codecs.
//   - [github.com/radkit/radkit/birads]: BI-RADS (ACR) rules of the French
//     breast-screening programme.
//   - [github.com/radkit/radkit/screening]: follow-up state machines of the
//     French organised screening programmes.
//   - [github.com/radkit/radkit/transfer]: resumable, verifiable study
//     transfer.
//
// The command radkit (cmd/radkit) exposes the same capabilities for
// scripting, and examples/quickstart is the end-to-end tour.
//
// The requirements come from French regulatory texts (arrêtés, the CNAM
// cahier des charges for image archiving, the teleradiology guide); each rule
// implemented cites its source.
package radkit

// Version is the radkit release, reported by "radkit version" and written
// into the Implementation Version Name of every file radkit writes.
const Version = "0.1.0"
