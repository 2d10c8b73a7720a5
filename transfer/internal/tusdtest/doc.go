// Package tusdtest tests radkit's transfer client against a real tusd
// (github.com/tus/tusd/v2 v2.9.1, filestore + memorylocker) started in the
// test process on 127.0.0.1.
//
// It is a separate module so that radkit's go.mod does not carry tusd's
// dependency graph; run it with
//
//	(cd transfer/internal/tusdtest && go test -race ./...)
package tusdtest
