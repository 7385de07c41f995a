package master

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Endpoint creation (master_listen.c and util/*_listen.c). Every
// endpoint is non-blocking, close-on-exec, and outlives reloads; the
// master never accepts on it, its children do. UNIX-domain sockets and
// FIFOs are created relative to $queue_directory (the master's working
// directory) and owned by $mail_owner when the master runs as root.

// listen opens all endpoints of a service.
func (m *Master) listen(s *service) error {
	backlog := s.maxProc
	if backlog < m.procLimit {
		backlog = m.procLimit
	}
	var fd int
	var err error
	switch s.typ {
	case "inet":
		for _, ip := range s.addrs {
			if fd, err = inetListen(ip, s.port, backlog); err != nil {
				s.closeListeners()
				return err
			}
			s.listenFDs = append(s.listenFDs, fd)
		}
		return nil
	case "unix", "pass":
		fd, err = unixListen(s.name, unix.SOCK_STREAM, backlog)
	case "unix-dgram":
		fd, err = unixListen(s.name, unix.SOCK_DGRAM, 0)
	case "fifo":
		fd, err = fifoListen(s.name, 0622)
	default:
		return fmt.Errorf("unknown service type: %s", s.typ)
	}
	if err != nil {
		return err
	}
	s.listenFDs = []int{fd}
	return m.chownOwner(s.name)
}

func (s *service) closeListeners() {
	for _, fd := range s.listenFDs {
		unix.Close(fd)
	}
	s.listenFDs = nil
}

// inetListen is inet_listen(): SO_REUSEADDR, IPV6_V6ONLY for IPv6.
func inetListen(ip net.IP, port, backlog int) (int, error) {
	family := unix.AF_INET6
	var sa unix.Sockaddr
	if ip4 := ip.To4(); ip4 != nil {
		family = unix.AF_INET
		sa4 := &unix.SockaddrInet4{Port: port}
		copy(sa4.Addr[:], ip4)
		sa = sa4
	} else {
		sa6 := &unix.SockaddrInet6{Port: port}
		copy(sa6.Addr[:], ip.To16())
		sa = sa6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %s", strerror(err))
	}
	if family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("setsockopt(IPV6_V6ONLY): %s", strerror(err))
		}
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind %s port %d: %s", ip, port, strerror(err))
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen: %s", strerror(err))
	}
	return fd, nil
}

// unixListen is unix_listen() and unix_dgram_listen(): replace the old
// socket file, bind, make it world-accessible (the directory protects it).
func unixListen(path string, typ, backlog int) (int, error) {
	if len(path) >= 108 {
		return -1, fmt.Errorf("unix-domain name too long: %s", path)
	}
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %s", strerror(err))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		unix.Close(fd)
		return -1, fmt.Errorf("remove %s: %s", path, strerror(err))
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind: %s: %s", path, strerror(err))
	}
	if err := unix.Fchmodat(unix.AT_FDCWD, path, 0666, 0); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("chmod socket %s: %s", path, strerror(err))
	}
	if typ == unix.SOCK_STREAM {
		if err := unix.Listen(fd, backlog); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("listen: %s", strerror(err))
		}
	}
	return fd, nil
}

// fifoListen is fifo_listen(): a fresh FIFO opened read-write so that it
// never reports end-of-file, emptied of stale bytes.
func fifoListen(path string, perm uint32) (int, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return -1, fmt.Errorf("fifo_listen: remove %s: %s", path, strerror(err))
	}
	if err := unix.Mkfifo(path, perm); err != nil {
		return -1, fmt.Errorf("fifo_listen: create fifo %s: %s", path, strerror(err))
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("fifo_listen: open %s: %s", path, strerror(err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		unix.Close(fd)
		return -1, fmt.Errorf("fifo_listen: not a fifo: %s", path)
	}
	if err := unix.Fchmod(fd, perm); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("fifo_listen: fchmod %s: %s", path, strerror(err))
	}
	buf := make([]byte, 1024)
	for {
		if n, err := unix.Read(fd, buf); n <= 0 || err != nil {
			break
		}
	}
	return fd, nil
}

// chownOwner gives an endpoint file to $mail_owner (Postfix creates it
// with set_eugid(var_owner_uid, var_owner_gid)).
func (m *Master) chownOwner(path string) error {
	if !m.root {
		return nil
	}
	if err := os.Lchown(path, m.owner.UID, m.owner.GID); err != nil {
		return fmt.Errorf("chown %s: %s", path, strerror(err))
	}
	return nil
}

// strerror is the C library's text for an error, as Postfix's %m.
func strerror(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		err = se.Err
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
