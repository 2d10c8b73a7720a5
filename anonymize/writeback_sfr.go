//go:build linux && (amd64 || arm64)

package anonymize

import (
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing f's dirty pages to disk
// now, without waiting (sync_file_range with SYNC_FILE_RANGE_WRITE). A
// batch calls it after each output, so that the disk works while the next
// files are de-identified and the single sync at the end of the batch
// finds little left to write. It changes nothing to durability, which the
// final sync provides; an error only means the hint was not taken.
func startWriteback(f *os.File) {
	const syncFileRangeWrite = 2 // SYNC_FILE_RANGE_WRITE
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_, _, _ = syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, fd, 0, 0, syncFileRangeWrite, 0, 0)
	})
}
