//go:build linux

package anonymize

import (
	"errors"
	"os"
	"syscall"
)

// syncFS writes out the dirty data of the file system holding d: syncfs(2)
// waits for that file system only, not for every disk of the machine as
// sync(2) does, and it reports write-back errors, which sync(2) ignores.
func syncFS(d *os.File) error {
	rc, err := d.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(sysSyncfs, fd, 0, 0)
	}); err != nil {
		return err
	}
	switch {
	case errno == 0:
		return nil
	case errors.Is(errno, syscall.ENOSYS):
		syscall.Sync()
		return nil
	}
	return &os.PathError{Op: "syncfs", Path: d.Name(), Err: errno}
}
