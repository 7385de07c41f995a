package smtpd

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// Improper pipelining (smtpd_flag_ill_pipelining): input that arrived
// before the server's reply to a command that must end a PIPELINING
// group, or before the greeting. It is logged always, and refused with
// smtpd_forbid_unauth_pipelining = yes or reject_unauth_pipelining.

// pipelinedEarly checks for a client that talks before the greeting.
func (s *session) pipelinedEarly() bool {
	return !s.illPipe && s.improperPipelining()
}

func (s *session) improperPipelining() bool {
	if len(s.rd.buffered()) == 0 && s.pendingBytes() > 0 {
		s.rd.fill()
	}
	pending := s.rd.buffered()
	if len(pending) == 0 {
		return false
	}
	s.srv.log.Info("improper command pipelining after %s from %s: %s",
		s.where, s.namaddr(), escape(pending[:min(len(pending), 100)]))
	s.illPipe = true
	return true
}

// rawConn returns the socket under c, nil when c is not a socket.
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// pendingBytes is FIONREAD on the connection's socket; 0 when the
// connection is not a socket.
func (s *session) pendingBytes() int {
	if s.raw == nil {
		return 0
	}
	s.raw.Control(s.fionread)
	return s.pending
}

func (s *session) ioctlFIONREAD(fd uintptr) {
	s.pending, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
}
