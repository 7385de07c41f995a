package server

import (
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
)

// RunMulti runs a daemon that serves many clients at once per process
// (multi_server.c: trivial-rewrite, anvil, proxymap, scache, verify,
// tlsmgr). serve runs in its own goroutine for each connection and owns
// it until it returns; serve functions of one process run concurrently.
//
// The process stays available to the master while it accepts clients and
// reports its number of clients in each status message; it reports
// itself taken once it stops accepting ($max_use clients accepted), so
// that the master starts a successor. When the master goes away or
// reloads, the process stops accepting and exits after its last client.
// It exits after $max_idle without any client. Transports: inet, unix,
// pass.
func RunMulti(opts Options, serve func(s *Server, c net.Conn)) {
	s := start(opts, "inet", "unix", "pass")
	if s.flags.standalone {
		s.serveConn(stdinConn(), serve)
		s.exit("stand-alone client done")
	}
	m := newMulti(s, serve)
	m.run(s.listenFDs())
}

type multi struct {
	s        *Server
	serve    func(s *Server, c net.Conn)
	mu       sync.Mutex // guards s.sessions, s.useCount, accepted and notify
	wakeR    int
	wakeW    int
	accepted int
	cap      int       // most clients at once; 0 = no limit (RunMulti)
	maxUse   int       // clients to accept before exiting; 0 = no limit
	idle     time.Time // when the last client left; zero while serving
	draining bool      // the master is gone: no new clients
	// What the master last heard, to tell it only what it needs.
	reported  bool
	lastAvail int
	lastLimit int
}

func newMulti(s *Server, serve func(s *Server, c net.Conn)) *multi {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		maillog.Fatal("pipe: %v", err)
	}
	return &multi{s: s, serve: serve, wakeR: p[0], wakeW: p[1], idle: time.Now(), maxUse: s.MaxUse}
}

func (m *multi) run(fds []int) {
	s := m.s
	s.setRetirement()
	s.startWatchdog()
	for {
		s.kickWatchdog()
		usedUp := m.usedUp()
		if usedUp && m.clients() == 0 {
			s.exit("use limit reached")
		}
		listen := fds
		if usedUp || m.full() {
			listen = nil
		}
		m.waitOnce(listen)
	}
}

// full reports whether the process serves as many clients as it may.
func (m *multi) full() bool { return m.cap > 0 && m.clients() >= m.cap }

// usedUp reports whether the process accepted its last client.
func (m *multi) usedUp() bool { return m.maxUse > 0 && m.accepted >= m.maxUse }

func (m *multi) waitOnce(listen []int) {
	s := m.s
	m.mu.Lock()
	d, why := s.waitTime(m.idle)
	m.mu.Unlock()
	if why != "" {
		s.exit(why)
	}
	if listen != nil && m.cap == 0 {
		s.lock()
		defer s.unlock()
	}
	res, fd := s.wait(listen, d, m.wakeR)
	switch res {
	case waitMaster:
		m.drain()
	case waitWake:
		buf := make([]byte, 64)
		unix.Read(m.wakeR, buf)
	case waitClient:
		if s.opts.PreAccept != nil {
			s.opts.PreAccept(s)
		}
		m.acceptSome(fd)
	}
}

// acceptSome accepts a client waiting on fd. One per wakeup: an accept
// that finds nobody waits for acceptWait (accept.go).
func (m *multi) acceptSome(fd int) {
	if c := m.s.accept(fd); c != nil {
		m.begin(c)
	}
}

// begin starts serving one client in its own goroutine.
func (m *multi) begin(c net.Conn) {
	s := m.s
	m.mu.Lock()
	m.accepted++ // under m.mu: end and report read it from the client goroutines
	s.sessions++
	m.idle = time.Time{}
	m.report()
	m.mu.Unlock()
	go func() {
		m.s.flowDelay()
		m.serve(s, c)
		c.Close()
		m.end()
	}()
}

func (m *multi) end() {
	s := m.s
	m.mu.Lock()
	wasFull := m.cap > 0 && s.sessions >= m.cap
	s.sessions--
	s.useCount++
	if s.sessions == 0 {
		m.idle = time.Now()
	}
	m.report()
	// The main loop needs to know when it may accept again, when its
	// idle time starts, or when it may exit.
	wake := wasFull || s.sessions == 0 || m.usedUp() || m.draining
	m.mu.Unlock()
	if wake {
		unix.Write(m.wakeW, []byte{0})
	}
}

// report tells the master what it needs to know; called with m.mu held.
// The first client counts as use (a process that dies before it
// throttles its service); after that the master needs to hear only when
// the process becomes available or taken, and how many sessions it holds
// once it accepts no more: then it holds only those against the process
// limit, so that the master can start its successor with the rest of the
// budget. Reporting every session would wake the master twice per SMTP
// connection.
func (m *multi) report() {
	s := m.s
	avail := StatAvail
	if m.usedUp() || m.cap > 0 && s.sessions >= m.cap {
		avail = StatTaken
	}
	if m.cap > 0 && (m.usedUp() || m.draining) {
		s.limit = max(s.sessions, 1)
	}
	if m.reported && avail == m.lastAvail && s.limit == m.lastLimit && !m.draining {
		return
	}
	m.reported, m.lastAvail, m.lastLimit = true, avail, s.limit
	s.notify(avail)
}

func (m *multi) clients() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s.sessions
}

// drain is the reaction to a master disconnect: no new clients; exit
// when the current ones are done.
func (m *multi) drain() {
	if maillog.Verbose() > 0 {
		maillog.Info("master disconnect -- draining %d clients", m.clients())
	}
	m.s.draining.Store(true)
	m.mu.Lock()
	m.draining = true
	m.report() // a retired process gives back what it does not use
	m.mu.Unlock()
	for m.clients() > 0 {
		pfd := []unix.PollFd{{Fd: int32(m.wakeR), Events: unix.POLLIN}}
		unix.Poll(pfd, -1)
		buf := make([]byte, 64)
		unix.Read(m.wakeR, buf)
	}
	if m.s.opts.OnExit != nil {
		m.s.opts.OnExit(m.s)
	}
	stopProfile()
	os.Exit(0)
}
