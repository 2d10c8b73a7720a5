//go:build linux && amd64

package anonymize

// sysSyncfs is syncfs(2), which the syscall package does not name on amd64.
const sysSyncfs = 306
