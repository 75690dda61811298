package bench

import (
	"syscall"
	"time"
	"unsafe"
)

// clockProcessCPUTimeID is CLOCK_PROCESS_CPUTIME_ID of <time.h>.
const clockProcessCPUTimeID = 2

// cpuTime is the CPU time (user and system) this process has used: the
// client's and, for in-process servers, the server's. Unlike wall time it
// barely moves with the load other processes put on the machine. Linux
// gives it to the nanosecond (getrusage, used elsewhere, to the
// microsecond), fine enough to time one call.
func cpuTime() time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
