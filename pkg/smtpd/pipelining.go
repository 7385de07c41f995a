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
	if len(s.rd.buffered()) == 0 && pendingBytes(s.conn) > 0 {
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

// pendingBytes is FIONREAD on the connection's socket; 0 when the
// connection is not a socket.
func pendingBytes(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	raw.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
	})
	return n
}
