//go:build !race

package tusdtest

const raceEnabled = false
