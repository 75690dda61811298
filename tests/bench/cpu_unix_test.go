//go:build unix && !linux

package bench

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used: the
// client's and, for in-process servers, the server's. Unlike wall time it
// barely moves with the load other processes put on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
