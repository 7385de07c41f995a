package server

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
)

// TriggerBufSize is the most a trigger delivers at once (TRIGGER_BUF_SIZE).
const TriggerBufSize = 1024

// RunTrigger runs a daemon that wakes up on triggers (trigger_server.c:
// qmgr, pickup, flush). A client connects, writes a few request bytes and
// disconnects; fn gets what one read returned (at most TriggerBufSize
// bytes; the bytes' meaning is the daemon's: "W" wake up, "D" deferred
// scan, ...). Options.Loop lets the daemon do timed work between
// triggers. Transports: unix, fifo, pass.
func RunTrigger(opts Options, fn func(s *Server, data []byte)) {
	s := start(opts, "unix", "fifo", "pass")
	if s.flags.standalone {
		buf := make([]byte, TriggerBufSize)
		n, _ := io.ReadAtLeast(os.Stdin, buf, 1)
		fn(s, buf[:n])
		s.exit("stand-alone trigger done")
	}
	fds := s.listenFDs()
	s.setRetirement()
	s.startWatchdog()
	idleSince := time.Now()
	for !s.usedUp() {
		data, ok := s.nextTrigger(fds, idleSince)
		if !ok {
			continue
		}
		s.runRequest(func() { fn(s, data) })
		idleSince = time.Now()
	}
	s.exit("use limit reached")
}

// runRequest brackets one request with busy and available reports.
func (s *Server) runRequest(fn func()) {
	s.kickWatchdog()
	s.sessions = 1
	s.notifyRequest(StatTaken)
	s.flowDelay()
	fn()
	s.sessions = 0
	if err := s.notifyRequest(StatAvail); err != nil {
		s.exit("master disconnect")
	}
	s.useCount++
	s.kickWatchdog()
}

func (s *Server) nextTrigger(fds []int, idleSince time.Time) ([]byte, bool) {
	if s.masterGone() {
		s.exit("master disconnect")
	}
	s.lock()
	defer s.unlock()
	d, why := s.waitTime(idleSince)
	if why != "" {
		s.exit(why)
	}
	res, fd := s.wait(fds, d, -1)
	switch res {
	case waitMaster:
		s.exit("master disconnect")
	case waitClient:
		if s.opts.PreAccept != nil {
			s.opts.PreAccept(s)
		}
		return s.readTrigger(fd)
	}
	return nil, false
}

// readTrigger reads one trigger: straight from a FIFO, or from a client
// of a socket that must write within 10 seconds.
func (s *Server) readTrigger(fd int) ([]byte, bool) {
	if s.Transport == "fifo" {
		return readSome(fd)
	}
	conn, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
	if err != nil {
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			maillog.Error("accept connection: %s", errText(err))
		}
		return nil, false
	}
	if s.Transport == "pass" {
		if conn, err = receiveFD(conn); err != nil {
			maillog.Warn("pass connection: %v", err)
			return nil, false
		}
	}
	defer unix.Close(conn)
	if !pollIn(conn, 10*time.Second) {
		return nil, false
	}
	return readSome(conn)
}

func readSome(fd int) ([]byte, bool) {
	buf := make([]byte, TriggerBufSize)
	for {
		n, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n < 0 {
			return nil, false
		}
		return buf[:n], true
	}
}

// pollIn waits at most timeout for fd to become readable. A signal
// that interrupts the wait does not end it: a trigger client whose
// request is dropped leaves its mail waiting for the next periodic
// wake-up.
func pollIn(fd int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms < 0 {
			return false
		}
		n, err := unix.Poll(pfd, ms)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0
	}
}

// RunDgram runs a daemon that receives datagrams (dgram_server.c:
// postlogd). fn gets the datagrams queued on the socket when the process
// wakes up, in order, at most DgramBatch of them (or fewer, about 1 MiB
// in all), so that a daemon can handle a burst with one write; a burst
// counts as one request. On SIGTERM (the master stopping) the process
// handles the datagrams already queued before it exits, so that the last
// log records of a stopping system are not lost. Transport: unix-dgram.
func RunDgram(opts Options, fn func(s *Server, batch [][]byte)) {
	s := start(opts, "unix-dgram")
	fds := s.listenFDs()
	var mu sync.Mutex // held from receiving a datagram until it is handled
	r := newDgramReader()
	go s.drainOnTerm(&mu, fds, r, fn)
	s.setRetirement()
	s.startWatchdog()
	idleSince := time.Now()
	for !s.usedUp() {
		d, why := s.waitTime(idleSince)
		if why != "" {
			s.exit(why)
		}
		res, fd := s.wait(fds, d, -1)
		if res == waitMaster {
			s.exit("master disconnect")
		}
		mu.Lock()
		if batch := r.read(fd); res == waitClient && len(batch) > 0 {
			s.runRequest(func() { fn(s, batch) })
			idleSince = time.Now()
		}
		mu.Unlock()
	}
	s.exit("use limit reached")
}

// DgramBatch is the most datagrams RunDgram hands over at once.
const DgramBatch = 256

// dgramReader receives datagrams into one reused arena.
type dgramReader struct {
	arena []byte
	batch [][]byte
}

const dgramMax = 65536 // the largest datagram kept whole

func newDgramReader() *dgramReader {
	return &dgramReader{arena: make([]byte, 16*dgramMax)}
}

// read returns the datagrams queued on fd now, without waiting; the
// slices are valid until the next read.
func (r *dgramReader) read(fd int) [][]byte {
	r.batch = r.batch[:0]
	if fd < 0 {
		return nil
	}
	off := 0
	for len(r.batch) < DgramBatch && off+dgramMax <= len(r.arena) {
		n, _, err := unix.Recvfrom(fd, r.arena[off:off+dgramMax], unix.MSG_DONTWAIT)
		if err != nil || n < 0 {
			break
		}
		r.batch = append(r.batch, r.arena[off:off+n:off+n])
		off += n
	}
	return r.batch
}

func (s *Server) drainOnTerm(mu *sync.Mutex, fds []int, r *dgramReader, fn func(s *Server, batch [][]byte)) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	<-sigs
	mu.Lock()
	for _, fd := range fds {
		for {
			batch := r.read(fd)
			if len(batch) == 0 {
				break
			}
			fn(s, batch)
		}
	}
	stopProfile()
	os.Exit(0)
}
