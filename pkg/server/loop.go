package server

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
)

// listenFDs returns the listening descriptors, made close-on-exec and
// non-blocking: several processes wait on them, and only one of those
// that wake up gets each client.
func (s *Server) listenFDs() []int {
	fds := make([]int, s.flags.sockets)
	for i := range fds {
		fd := ListenFD + i
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			maillog.Fatal("listen descriptor %d: %v", fd, err)
		}
		fds[i] = fd
	}
	unix.CloseOnExec(StatusFD)
	unix.CloseOnExec(FlowReadFD)
	unix.CloseOnExec(FlowWriteFD)
	return fds
}

// openLock opens the accept lock $queue_directory/pid/TYPE.SERVICE that
// processes of one service share (not needed with a process limit of 1).
func (s *Server) openLock() {
	if s.flags.standalone || s.Solitary || s.Transport == "unix-dgram" {
		return
	}
	path := filepath.Join(s.Config.Get("queue_directory"), "pid", s.Transport+"."+s.Service)
	fd, err := unix.Open(path, unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0600)
	if err != nil {
		maillog.Fatal("open lock file pid/%s.%s: %s", s.Transport, s.Service, errText(err))
	}
	s.lockFD = fd
}

func (s *Server) lock() {
	if s.lockFD < 0 {
		return
	}
	s.stopWatchdog()
	for {
		err := unix.Flock(s.lockFD, unix.LOCK_EX)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EINTR) {
			maillog.Fatal("select lock: %v", err)
		}
	}
	s.kickWatchdog()
}

func (s *Server) unlock() {
	if s.lockFD < 0 {
		return
	}
	if err := unix.Flock(s.lockFD, unix.LOCK_UN); err != nil {
		maillog.Fatal("select unlock: %v", err)
	}
}

// notifyRequest is notify around one request of a single, trigger or
// datagram server. A process that is its service's only one (-l,
// process limit 1) reports only its first request: the master never
// starts a second process for it, whatever it reports, and needs the
// first report only to know that the process has served (a process that
// dies before that throttles the service). postlogd and qmgr would
// otherwise wake the master twice for each log record and trigger.
func (s *Server) notifyRequest(avail int) error {
	if s.Solitary && s.useCount > 0 {
		return nil
	}
	return s.notify(avail)
}

// notify tells the master whether this process can take a client now
// and how many it serves. An error means that the master went away or
// reloaded and no longer listens.
func (s *Server) notify(avail int) error {
	if s.flags.standalone {
		return nil
	}
	st := Status{PID: int32(s.pid), Gen: s.generation, Avail: int32(avail), Sessions: int32(s.sessions), Limit: int32(s.limit)}
	_, err := unix.Write(StatusFD, st.Marshal())
	return err
}

// masterGone reports, without waiting, whether the status socket says
// end-of-file: the master went away or retired this process (reload).
// A process checks before it waits for the accept lock, which another
// process may hold for as long as no client comes.
func (s *Server) masterGone() bool {
	if s.flags.standalone {
		return false
	}
	pfd := []unix.PollFd{{Fd: StatusFD, Events: unix.POLLIN}}
	n, err := unix.Poll(pfd, 0)
	return err == nil && n > 0
}

// waitResult says why wait returned.
type waitResult int

const (
	waitClient  waitResult = iota // a listening descriptor is readable
	waitMaster                    // the status socket is readable: master gone
	waitTimeout                   // the timeout expired
	waitWake                      // the wake descriptor is readable
)

// wait polls the listening descriptors, the status socket and an
// optional wake descriptor (-1 for none) for at most timeout (0: for
// ever). For waitClient it returns the readable descriptor.
func (s *Server) wait(fds []int, timeout time.Duration, wake int) (waitResult, int) {
	pfds := make([]unix.PollFd, 0, len(fds)+2)
	for _, fd := range fds {
		pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	}
	if !s.flags.standalone {
		pfds = append(pfds, unix.PollFd{Fd: StatusFD, Events: unix.POLLIN})
	}
	if wake >= 0 {
		pfds = append(pfds, unix.PollFd{Fd: int32(wake), Events: unix.POLLIN})
	}
	ms := -1
	if timeout > 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	// Waiting for a client is not being stuck. Postfix's watchdog alarm
	// wakes the event loop, whose caller restarts the watchdog
	// (watchdog.c, USE_WATCHDOG_PIPE), so an idle process never trips
	// it: postlogd (postlogd_watchdog_timeout = 10s) idles for hours.
	s.stopWatchdog()
	n, err := unix.Poll(pfds, ms)
	s.kickWatchdog()
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return waitWake, -1
		}
		maillog.Fatal("poll: %v", err)
	}
	if n == 0 {
		return waitTimeout, -1
	}
	return s.pollResult(pfds, len(fds), wake)
}

func (s *Server) pollResult(pfds []unix.PollFd, nlisten, wake int) (waitResult, int) {
	for _, p := range pfds[nlisten:] {
		if p.Revents == 0 {
			continue
		}
		if int(p.Fd) == wake {
			return waitWake, -1
		}
		return waitMaster, -1
	}
	for _, p := range pfds[:nlisten] {
		if p.Revents != 0 {
			return waitClient, int(p.Fd)
		}
	}
	return waitWake, -1
}

// waitTime returns how long to wait for the next client, or why the
// process should exit now: idle for $max_idle (idleSince is the end of
// the last client; zero while clients are being served) or past its
// retirement time. The daemon's Loop callback may shorten the wait.
func (s *Server) waitTime(idleSince time.Time) (time.Duration, string) {
	var d time.Duration
	if s.MaxIdle > 0 && !idleSince.IsZero() {
		d = s.MaxIdle - time.Since(idleSince)
		if d <= 0 {
			return 0, "idle timeout"
		}
	}
	if !s.retireAt.IsZero() {
		r := time.Until(s.retireAt)
		if r <= 0 {
			return 0, "time to retire"
		}
		d = minPositive(d, r)
	}
	if s.opts.Loop != nil {
		d = minPositive(d, s.opts.Loop(s))
	}
	return d, ""
}

func minPositive(a, b time.Duration) time.Duration {
	switch {
	case b <= 0:
		return a
	case a <= 0 || b < a:
		return b
	}
	return a
}

func (s *Server) usedUp() bool { return s.MaxUse > 0 && s.useCount >= s.MaxUse }

// exit ends the process voluntarily (max_use, max_idle, master gone).
func (s *Server) exit(why string) {
	if maillog.Verbose() > 0 {
		maillog.Info("%s -- exiting", why)
	}
	if s.opts.OnExit != nil {
		s.opts.OnExit(s)
	}
	stopProfile()
	os.Exit(0)
}

// startWatchdog arms the $daemon_timeout watchdog: a process that makes
// no progress for that long outside its wait for clients is stuck and
// exits (util/watchdog.c).
func (s *Server) startWatchdog() {
	if s.timeout <= 0 {
		return
	}
	s.watchdog = time.AfterFunc(s.timeout, func() { maillog.Fatal("watchdog timeout") })
}

func (s *Server) kickWatchdog() {
	if s.watchdog != nil {
		s.watchdog.Reset(s.timeout)
	}
}

func (s *Server) stopWatchdog() {
	if s.watchdog != nil {
		s.watchdog.Stop()
	}
}

// setRetirement implements Options.RetireMe.
func (s *Server) setRetirement() {
	if !s.opts.RetireMe {
		return
	}
	secs := s.flags.retire
	if secs == 0 {
		idle := int(s.MaxIdle / time.Second)
		switch {
		case idle == 0 || s.MaxUse == 0 || idle > 18000/s.MaxUse:
			secs = 18000
		default:
			secs = idle * s.MaxUse
		}
	}
	s.retireAt = time.Now().Add(time.Duration(secs) * time.Second)
}
