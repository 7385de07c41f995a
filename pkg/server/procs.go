package server

import (
	"os"
	"runtime"
)

// setProcs sets how many threads run the daemon's goroutines at once
// (GOMAXPROCS): a quarter of the processors, at least one, unless the
// GOMAXPROCS environment variable says otherwise (import_environment).
//
// A Postern instance passes each message through several processes
// (smtpd, qmgr, smtp, postlogd), which share the machine's processors
// between them; within one process most goroutines wait for the network
// or the disk. With the Go default (one thread per processor in every
// process) the idle threads of each process spin looking for work: on
// the 2-core benchmark machine nanosleep and futex were the most frequent
// system calls of smtpd, qmgr and smtp, and CPU per message fell by a
// tenth with one thread per process (docs/performance.md).
func setProcs() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	runtime.GOMAXPROCS(max(1, runtime.NumCPU()/4))
}
