// Package birads holds the BI-RADS (ACR) classification rules of the French
// organised breast-screening programme (Arrêté du 16 janvier 2024, annexe
// III), each rule citing its source.
//
// Work in progress: the package is being built (see the project's issue
// tracker); it exports nothing yet.
package birads
