//go:build linux && !amd64 && !386

package anonymize

import "syscall"

// sysSyncfs is syncfs(2).
const sysSyncfs = syscall.SYS_SYNCFS
