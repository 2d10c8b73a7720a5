//go:build linux && 386

package anonymize

// sysSyncfs is syncfs(2), which the syscall package does not name on 386.
const sysSyncfs = 344
