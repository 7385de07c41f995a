package server

import (
	"net"
	"time"

	"github.com/postern/postern/pkg/maillog"
)

// RunSingle runs a daemon that serves one client at a time per process
// (single_server.c: smtpd, smtp, cleanup, local, ...). serve owns the
// connection until it returns; the skeleton closes it afterwards. The
// master starts more processes, up to the service's process limit, when
// all are busy. Transports: inet, unix, pass.
//
// With Options.Sessions > 1 a process serves up to that many clients at
// once, within its session budget from the master, each in a goroutine
// of its own (sessions.go); the process limit then counts sessions, not
// processes, so that maxproc means what it means in Postfix.
func RunSingle(opts Options, serve func(s *Server, c net.Conn)) {
	s := start(opts, "inet", "unix", "pass")
	if s.flags.standalone {
		s.serveConn(stdinConn(), serve)
		s.exit("stand-alone client done")
	}
	if limit := s.sessionLimit(); limit > 1 {
		s.runSessions(limit, serve)
	}
	fds := s.listenFDs()
	s.setRetirement()
	s.startWatchdog()
	idleSince := time.Now()
	for !s.usedUp() {
		c := s.nextClient(fds, idleSince)
		if c == nil {
			continue
		}
		s.serveConn(c, serve)
		idleSince = time.Now()
	}
	s.exit("use limit reached")
}

// nextClient waits under the accept lock for a client and accepts it;
// nil when another process was faster or the wait timed out.
func (s *Server) nextClient(fds []int, idleSince time.Time) net.Conn {
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
		return s.accept(fd)
	}
	return nil
}

// serveConn tells the master this process is busy, serves the client and
// tells the master it is available again; when the master no longer
// listens (reload, stop) the process exits after the client, so that a
// reload never drops a client being served.
func (s *Server) serveConn(c net.Conn, serve func(s *Server, c net.Conn)) {
	if maillog.Verbose() > 0 {
		maillog.Info("connection established")
	}
	s.kickWatchdog()
	s.sessions = 1
	s.notifyRequest(StatTaken)
	s.flowDelay()
	serve(s, c)
	c.Close()
	s.sessions = 0
	if err := s.notifyRequest(StatAvail); err != nil {
		s.exit("master disconnect")
	}
	if maillog.Verbose() > 0 {
		maillog.Info("connection closed")
	}
	s.useCount++
	s.kickWatchdog()
}

// flowDelay implements Options.InFlowDelay: without a token in the flow
// pipe, wait $in_flow_delay before serving (mail_flow_get).
func (s *Server) flowDelay() {
	if !s.opts.InFlowDelay || s.flags.standalone {
		return
	}
	if FlowGet(1) != nil {
		d, _ := s.Config.Duration("in_flow_delay")
		time.Sleep(d)
	}
}
