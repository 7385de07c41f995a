package master

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
)

// When to watch a service's endpoints (master_avail.c), and the
// goroutine that watches them.

// stressPeriod is how long an inet service stays in stress mode after it
// last hit its process limit, and how often the limit warning repeats.
const stressPeriod = 1000 * time.Second

// availListen decides whether the master watches the endpoints of s: only
// when no child is available, the service is not throttled and it is
// below its process limit.
func (m *Master) availListen(s *service) {
	listen := false
	switch {
	case s.throttled || s.avail > 0 || s.deleting:
	case limitOK(s.maxProc, s.reserved):
		listen = true
	case s.stress >= 0:
		if now := time.Now(); s.busyWarn.Before(now.Add(-stressPeriod)) {
			s.busyWarn = now
			maillog.Warn("service \"%s\" (%s) has reached its process limit \"%d\": new clients may experience noticeable delays", s.extName, s.name, s.maxProc)
			maillog.Warn("to avoid this condition, increase the process count in master.cf or reduce the service time per client")
			maillog.Warn("see http://www.postfix.org/STRESS_README.html for examples of stress-adapting configuration settings")
		}
	}
	if maillog.Verbose() > 0 && listen != s.listening {
		maillog.Info("master_avail_listen: %s avail %d total %d max %d listen %v", s.name, s.avail, s.total, s.maxProc, listen)
	}
	s.listening = listen
}

// availEvent: a watched endpoint of s is readable, so a client waits and
// no child is free: start one.
func (m *Master) availEvent(s *service) {
	if !s.listening {
		return
	}
	if s.stress >= 0 && !limitOK(s.maxProc, s.reserved+1) {
		now := time.Now()
		if s.stressEnd.Before(now) {
			m.restartService(s, false)
		}
		s.stressEnd = now.Add(stressPeriod)
	}
	m.spawn(s)
}

func (m *Master) availMore(s *service, c *child) {
	if c.avail {
		maillog.Panic("master_avail_more: process already available")
	}
	s.avail++
	c.avail = true
	m.availListen(s)
}

func (m *Master) availLess(s *service, c *child) {
	if !c.avail {
		maillog.Panic("master_avail_less: process not available")
	}
	s.avail--
	c.avail = false
	m.availListen(s)
}

// watch is one endpoint the poller watches for the event loop.
type watch struct {
	fd int
	s  *service
}

// poller waits in poll(2) for the endpoints of the services the master
// listens for, and posts availEvent for each readable one. After a report
// it waits until the event loop has handled it (update), so that a client
// nobody has accepted yet does not report the same endpoint twice.
type poller struct {
	m       *Master
	mu      sync.Mutex
	set     []watch
	pending bool // reported, not yet acknowledged by update
	wakeR   int
	wakeW   int
}

func newPoller(m *Master) *poller {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		maillog.Fatal("pipe: %s", strerror(err))
	}
	return &poller{m: m, wakeR: p[0], wakeW: p[1]}
}

// update gives the poller the current set of endpoints to watch; the
// event loop calls it after every event.
func (p *poller) update(set []watch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.pending && sameWatches(p.set, set) {
		return
	}
	p.set, p.pending = set, false
	unix.Write(p.wakeW, []byte{0})
}

func sameWatches(a, b []watch) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (p *poller) run() {
	for {
		p.mu.Lock()
		set := p.set
		pending := p.pending
		p.mu.Unlock()
		pfds := []unix.PollFd{{Fd: int32(p.wakeR), Events: unix.POLLIN}}
		if !pending {
			for _, w := range set {
				pfds = append(pfds, unix.PollFd{Fd: int32(w.fd), Events: unix.POLLIN})
			}
		}
		if _, err := unix.Poll(pfds, -1); err != nil {
			continue
		}
		if pfds[0].Revents != 0 {
			buf := make([]byte, 64)
			unix.Read(p.wakeR, buf)
			continue
		}
		p.report(set, pfds[1:])
	}
}

func (p *poller) report(set []watch, pfds []unix.PollFd) {
	seen := map[*service]bool{}
	for i, pfd := range pfds {
		if pfd.Revents == 0 || seen[set[i].s] {
			continue
		}
		s := set[i].s
		seen[s] = true
		p.mu.Lock()
		p.pending = true
		p.mu.Unlock()
		p.m.post(func() { p.m.availEvent(s) })
	}
}

// watches lists the endpoints of every service the master listens for.
func (m *Master) watches() []watch {
	var set []watch
	for _, s := range m.services {
		if s.listening {
			for _, fd := range s.listenFDs {
				set = append(set, watch{fd, s})
			}
		}
	}
	return set
}
