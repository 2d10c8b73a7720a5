module github.com/radkit/radkit/transfer/internal/tusdtest

go 1.26.0

require (
	github.com/radkit/radkit v0.0.0
	github.com/tus/tusd/v2 v2.9.1
	golang.org/x/exp v0.0.0-20250106191152-7588d65b2ba8
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	golang.org/x/image v0.47.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/radkit/radkit => ../../..
