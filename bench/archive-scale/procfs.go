package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/radkit/radkit/dicomarchive/pgindex"
)

// Linux /proc readers: CPU time of the servers, to show which process an
// ingest waits for.

const clockTick = 100 // USER_HZ on Linux

// selfCPU is the user and system time of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStat returns the parent pid and the CPU time of pid: its own user
// and system time, plus that of its reaped children when children is set.
func procStat(pid int, children bool) (ppid int, t time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	// The command name is in parentheses and may hold spaces.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15,
	// cutime 16, cstime 17.
	num := func(field int) int64 { v, _ := strconv.ParseInt(f[field-3], 10, 64); return v }
	ticks := num(14) + num(15)
	if children {
		ticks += num(16) + num(17)
	}
	return int(num(4)), time.Duration(ticks) * time.Second / clockTick, nil
}

// postgresCPU is the CPU time of the PostgreSQL server ix talks to
// (postmaster, with the backends that ended, plus the live ones), when
// it runs on this machine.
func postgresCPU(ctx context.Context, ix *pgindex.Index) (time.Duration, error) {
	var backend int
	err := ix.Conn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend)
	})
	if err != nil {
		return 0, err
	}
	postmaster, _, err := procStat(backend, false)
	if err != nil {
		return 0, nil // not on this machine
	}
	return treeCPU(postmaster), nil
}

// treeCPU is the CPU time of pid and of its live children.
func treeCPU(pid int) time.Duration {
	_, total, err := procStat(pid, true)
	if err != nil {
		return 0
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if ppid, t, err := procStat(child, false); err == nil && ppid == pid {
			total += t
		}
	}
	return total
}

// listenerCPU is the CPU time of the local process listening on the TCP
// address hostport (the S3 server), 0 if none is found.
func listenerCPU(hostport string) (time.Duration, error) {
	_, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return 0, err
	}
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[3] != "0A" { // LISTEN
				continue
			}
			_, p, _ := strings.Cut(fs[1], ":")
			if v, err := strconv.ParseInt(p, 16, 32); err == nil && int(v) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && inodes[l] {
				_, t, err := procStat(pid, true)
				return t, err
			}
		}
	}
	return 0, nil
}
