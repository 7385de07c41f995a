package server

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
)

// ProfileEnv names an environment variable that makes every daemon write
// Go profiles for performance work (docs/performance.md): with
// POSTERN_PROFILE_DIR=/dir (passed through import_environment), a daemon
// records a CPU profile from its start and writes it, with a heap
// (allocation) profile, to /dir/PROGRAM.PID.cpu.pprof and .heap.pprof
// when it exits, also when the master stops it with SIGTERM. Unset, it
// costs nothing.
const ProfileEnv = "POSTERN_PROFILE_DIR"

var profileStop func()

// startProfile starts profiling when ProfileEnv is set.
func (s *Server) startProfile() {
	dir := os.Getenv(ProfileEnv)
	if dir == "" {
		return
	}
	base := filepath.Join(dir, fmt.Sprintf("%s.%d", s.Program, os.Getpid()))
	f, err := os.Create(base + ".cpu.pprof")
	if err != nil {
		return
	}
	runtime.MemProfileRate = 64 << 10
	if pprof.StartCPUProfile(f) != nil {
		f.Close()
		return
	}
	var once sync.Once
	profileStop = func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
			if h, err := os.Create(base + ".heap.pprof"); err == nil {
				pprof.Lookup("allocs").WriteTo(h, 0)
				h.Close()
			}
		})
	}
	if s.Transport == "unix-dgram" {
		return // RunDgram handles SIGTERM (drainOnTerm) and stops the profile
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	go func() {
		<-sigs
		profileStop()
		os.Exit(0)
	}()
}

// stopProfile writes the profiles of an exiting process.
func stopProfile() {
	if profileStop != nil {
		profileStop()
	}
}
