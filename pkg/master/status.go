package master

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// The status socket of a service (master_status.c): a SOCK_SEQPACKET
// socket pair. Every child of the service gets the child end as fd 5 and
// writes server.Status messages to it; the master reads the other end.
// When the master shuts down its sending side and closes the children's
// end it kept for future children (reload, stop), the children's end
// reports end-of-file, which tells them to finish their clients and
// exit. The master keeps reading what those children still report (a
// child serving several sessions reports each one that ends) until the
// last of them has exited.
type statusPipe struct {
	master *os.File // read end, in the runtime poller
	child  int      // the children's end, kept open for future children
}

// statusInit gives s a new status socket and starts reading it.
func (m *Master) statusInit(s *service) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		maillog.Fatal("socketpair: %s", strerror(err))
	}
	unix.SetNonblock(fds[0], true)
	p := &statusPipe{master: os.NewFile(uintptr(fds[0]), "status "+s.name), child: fds[1]}
	s.status = p
	go m.readStatus(s, p)
}

// statusCleanup retires the status socket of s: its children see
// end-of-file; readStatus closes the master's end once they are gone.
func (m *Master) statusCleanup(s *service) {
	if s.status == nil {
		return
	}
	if rc, err := s.status.master.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.Shutdown(int(fd), unix.SHUT_WR) })
	}
	unix.Close(s.status.child)
	s.status = nil
}

// readStatus forwards the messages of one status socket to the event
// loop until the socket is closed.
func (m *Master) readStatus(s *service, p *statusPipe) {
	buf := make([]byte, 64)
	for {
		n, err := p.master.Read(buf)
		if err != nil || n == 0 {
			p.master.Close()
			return
		}
		msg := append([]byte(nil), buf[:n]...)
		m.post(func() { m.statusEvent(s, p, msg) })
	}
}

// statusEvent updates the master's idea of a child's state. Children
// may send garbage; the master's own state must stay consistent.
func (m *Master) statusEvent(s *service, p *statusPipe, msg []byte) {
	st, err := server.ParseStatus(msg)
	if err != nil {
		maillog.Warn("service %s(%s): child (pid %d) sent partial status update (%d bytes)", s.extName, s.name, pidOf(msg), len(msg))
		return
	}
	c, ok := m.children[int(st.PID)]
	if !ok {
		if maillog.Verbose() > 0 {
			maillog.Info("master_status_event: process id not found: %d", st.PID)
		}
		return
	}
	if c.gen != st.Gen {
		maillog.Info("ignoring status update from child pid %d generation %d", st.PID, st.Gen)
		return
	}
	if c.serv != s {
		maillog.Panic("master_status_event: pointer corruption: %s != %s", c.serv.name, s.name)
	}
	if s.status != p {
		m.retiredStatus(s, c, st)
		return
	}
	m.applyStatus(s, c, st)
}

// retiredStatus applies a message from a child whose status socket was
// retired (reload): it serves no new client, so it only gives back the
// sessions that ended.
func (m *Master) retiredStatus(s *service, c *child, st server.Status) {
	n := int(st.Sessions)
	if n < c.sessions {
		c.useCount++
	}
	c.sessions = n
	m.setLimit(s, c, max(n, 1))
	m.availListen(s)
}

func (m *Master) applyStatus(s *service, c *child, st server.Status) {
	// Use is a finished session, as for Postfix's single_server; for a
	// multi-server (one that stays available while it has sessions) a new
	// session is use too, as each served request is for Postfix's
	// multi_server: anvil killed while its clients are still connected has
	// served and must not be throttled as a bad start.
	n := int(st.Sessions)
	if n < c.sessions || n > c.sessions && st.Avail == server.StatAvail {
		c.useCount++
	}
	c.sessions = int(st.Sessions)
	m.setLimit(s, c, int(st.Limit))
	switch st.Avail {
	case server.StatAvail:
		if !c.avail {
			c.useCount++
			m.availMore(s, c)
		}
	case server.StatTaken:
		if c.avail {
			m.availLess(s, c)
		}
	default:
		maillog.Warn("master_status_event: ignoring unknown status: %d allegedly from pid: %d", st.Avail, st.PID)
	}
}

// setLimit records the limit a child reported (0: none reported, keep
// the one it has). A child never holds more than the budget it was given
// nor less than one process.
func (m *Master) setLimit(s *service, c *child, limit int) {
	if limit <= 0 {
		return
	}
	limit = min(limit, c.limit)
	s.reserved += limit - c.limit
	c.limit = limit
}

func pidOf(msg []byte) int {
	if len(msg) < 4 {
		return 0
	}
	st, _ := server.ParseStatus(append(msg[:4:4], make([]byte, server.StatusSize-4)...))
	return int(st.PID)
}
