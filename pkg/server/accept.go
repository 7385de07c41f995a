package server

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
)

// accept takes one client from a listening descriptor. EAGAIN (another
// process got it) returns nil silently; other errors are logged.
//
// Clients of inet and unix services are accepted through a net.Listener
// made once from the descriptor (with a deadline a millisecond ahead, so
// that Accept does not wait when another process took the client; a
// deadline already passed would not even try): the connection goes
// straight into the runtime poller, which costs a third of the system
// calls of wrapping an accepted descriptor with net.FileConn (a dup,
// flag changes and socket queries per client).
func (s *Server) accept(fd int) net.Conn {
	if s.Transport != "pass" {
		if ln := s.listener(fd); ln != nil {
			return s.acceptFrom(ln)
		}
	}
	nfd, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
	if err != nil {
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			maillog.Error("accept connection: %s", errText(err))
		}
		return nil
	}
	if s.Transport == "pass" {
		nfd, err = receiveFD(nfd)
		if err != nil {
			maillog.Warn("pass connection: %v", err)
			return nil
		}
	}
	return fdConn(nfd)
}

// deadlineListener is a net.Listener whose Accept can be told not to wait.
type deadlineListener interface {
	net.Listener
	SetDeadline(time.Time) error
}

// listener returns the net.Listener of listening descriptor fd, made on
// first use; nil if it cannot be made.
func (s *Server) listener(fd int) deadlineListener {
	if ln, ok := s.listeners[fd]; ok {
		return ln
	}
	var dl deadlineListener
	f := os.NewFile(uintptr(fd), "listener")
	ln, err := net.FileListener(f) // a duplicate
	if err == nil {
		dl, _ = ln.(deadlineListener)
	}
	if s.listeners == nil {
		s.listeners = map[int]deadlineListener{}
	}
	s.listeners[fd] = dl
	// f owns fd, which must stay open: keep f from being collected and
	// closing it.
	s.listenFiles = append(s.listenFiles, f)
	return dl
}

// acceptWait bounds the wait of an Accept that finds no client.
const acceptWait = time.Millisecond

func (s *Server) acceptFrom(ln deadlineListener) net.Conn {
	ln.SetDeadline(time.Now().Add(acceptWait))
	c, err := ln.Accept()
	if err != nil {
		var ne net.Error
		var errno syscall.Errno
		switch {
		case errors.As(err, &ne) && ne.Timeout(): // another process got it
		case errors.As(err, &errno):
			maillog.Error("accept connection: %s", errText(errno))
		default:
			maillog.Error("accept connection: %s", errText(err))
		}
		return nil
	}
	return c
}

// fdConn wraps a connected socket descriptor in a net.Conn.
func fdConn(fd int) net.Conn {
	f := os.NewFile(uintptr(fd), "client")
	defer f.Close()
	c, err := net.FileConn(f) // a duplicate, in the runtime's poller
	if err != nil {
		maillog.Error("client socket: %v", err)
		return nil
	}
	return c
}

// receiveFD reads the client descriptor that a "pass" service's peer
// sends over the accepted UNIX-domain connection (SCM_RIGHTS), then
// closes that connection (util/unix_recv_fd.c).
//
// XXX: Postfix 3.x may send connection attributes after the descriptor
// (pass_accept_attr); they are not read.
func receiveFD(conn int) (int, error) {
	defer unix.Close(conn)
	if !pollIn(conn, 10*time.Second) {
		return -1, errors.New("timeout receiving the client descriptor")
	}
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(conn, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return -1, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) == 0 {
		return -1, errors.New("no descriptor received")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return -1, errors.New("no descriptor received")
	}
	for _, extra := range fds[1:] {
		unix.Close(extra)
	}
	return fds[0], nil
}

// stdinConn is the client of a stand-alone (-S) server: standard input
// when it is a socket, else standard input and output together.
func stdinConn() net.Conn {
	if c, err := net.FileConn(os.Stdin); err == nil {
		return c
	}
	return &stdioConn{r: os.Stdin, w: os.Stdout}
}

// stdioConn is a net.Conn over standard input and output. Deadlines
// work when both are pollable (pipes); otherwise setting one fails with
// os.ErrNoDeadline.
type stdioConn struct {
	r, w *os.File
}

type stdioAddr struct{}

func (stdioAddr) Network() string { return "stdio" }
func (stdioAddr) String() string  { return "stdio" }

func (c *stdioConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *stdioConn) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c *stdioConn) Close() error                { return nil }
func (c *stdioConn) LocalAddr() net.Addr         { return stdioAddr{} }
func (c *stdioConn) RemoteAddr() net.Addr        { return stdioAddr{} }

func (c *stdioConn) SetDeadline(t time.Time) error {
	if err := c.r.SetReadDeadline(t); err != nil {
		return err
	}
	return c.w.SetWriteDeadline(t)
}
func (c *stdioConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *stdioConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }
