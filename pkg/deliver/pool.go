package deliver

import (
	"net"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Kept connections (Client.Keep, Env.KeepIdle). Postfix's qmgr opens a
// connection to the delivery agent for every request; Postern's qmgr
// keeps a connection whose agent offers to read another request, which
// saves the connect, accept, announcement and close of each delivery.
//
// An idle kept connection holds one of the agent's sessions (maxproc),
// so the pool gives a connection back instead of keeping it while
// another delivery to the same transport waits for an agent to accept
// its new connection: kept connections never starve a new one.

const (
	// AgentKeepIdle is how long an agent waits for the next request on
	// a kept connection (Env.KeepIdle of the agents that keep).
	AgentKeepIdle = 5 * time.Second
	// clientKeepIdle is how long the client keeps a connection idle:
	// less than AgentKeepIdle, so that it rarely sends a request to an
	// agent that is closing the connection.
	clientKeepIdle = 2 * time.Second
	// keepLimit bounds the idle connections kept per transport.
	keepLimit = 256
)

type keptConn struct {
	nc    net.Conn
	since time.Time
}

type pool struct {
	mu    sync.Mutex
	idle  map[string][]keptConn
	dials map[string]int // new connections not yet accepted, per transport
}

// take returns the most recently kept live connection to transport, or
// nil. Connections idle too long or closed by the agent are closed.
func (p *pool) take(transport string) net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[transport]
	for len(list) > 0 {
		k := list[len(list)-1]
		list = list[:len(list)-1]
		if time.Since(k.since) < clientKeepIdle && alive(k.nc) {
			p.idle[transport] = list
			return k.nc
		}
		k.nc.Close()
	}
	delete(p.idle, transport)
	return nil
}

// put keeps nc for the next delivery to transport; false means the
// caller closes it.
func (p *pool) put(transport string, nc net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dials[transport] > 0 || len(p.idle[transport]) >= keepLimit {
		return false
	}
	if p.idle == nil {
		p.idle = map[string][]keptConn{}
	}
	// Connections kept too long are at the front: drop them.
	list := p.idle[transport]
	for len(list) > 0 && time.Since(list[0].since) >= clientKeepIdle {
		list[0].nc.Close()
		list = list[1:]
	}
	p.idle[transport] = append(list, keptConn{nc, time.Now()})
	return true
}

// dialing counts new connections to transport that wait for an agent.
func (p *pool) dialing(transport string, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dials == nil {
		p.dials = map[string]int{}
	}
	p.dials[transport] += delta
	if p.dials[transport] <= 0 {
		delete(p.dials, transport)
	}
}

// alive reports whether an idle connection is still open: the agent
// sends nothing between requests, so anything to read is its
// end-of-file (or garbage).
func alive(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	rc.Control(func(fd uintptr) {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 0)
		open = err == nil && n == 0
	})
	return open
}
