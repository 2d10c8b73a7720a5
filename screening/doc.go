// Package screening holds the follow-up state machines of the three French
// organised cancer-screening programmes (breast, colorectal, cervical), as
// the Arrêté du 16 janvier 2024 defines them.
//
// Work in progress: the package is being built (see the project's issue
// tracker); it exports nothing yet.
package screening
