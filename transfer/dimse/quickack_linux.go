package dimse

import (
	"crypto/tls"
	"net"
	"syscall"
)

// quickAck asks Linux to acknowledge the next segments at once instead of
// delaying the ACK by up to 40 ms. DIMSE is request/response: a peer that
// leaves Nagle's algorithm on (Debian's dcmtk does) holds the tail of each
// response until its first part is acknowledged, which would otherwise
// cost a delayed ACK per instance. The flag decays, so it is re-armed
// before each message.
func quickAck(nc net.Conn) {
	if t, ok := nc.(*tls.Conn); ok {
		nc = t.NetConn()
	}
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
