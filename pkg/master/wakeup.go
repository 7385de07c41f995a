package master

import (
	"errors"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/maillog"
)

// Periodic wakeup triggers (master_wakeup.c): the master sends "W" to a
// service every wakeup seconds, the way any trigger client does, so that
// the service's child (qmgr, pickup, flush) is started if none runs.

const (
	wakeupRequest = "W"             // TRIGGER_REQ_WAKEUP
	wakeupTimeout = 1 * time.Second // "BRIEFLY"
)

// wakeupInit sends the first trigger now and schedules the next ones; a
// conditional ("N?") service waits for its first child.
func (m *Master) wakeupInit(s *service) {
	if s.wakeup == 0 || s.condWake {
		return
	}
	if maillog.Verbose() > 0 {
		maillog.Info("master_wakeup_init: service %s time %d", s.name, s.wakeup)
	}
	m.wakeupEvent(s, s.wakeSeq)
}

// wakeupCleanup cancels the pending wakeup of s.
func (m *Master) wakeupCleanup(s *service) { s.wakeSeq++ }

func (m *Master) wakeupEvent(s *service, seq int) {
	if seq != s.wakeSeq || s.wakeup == 0 {
		return
	}
	if !s.throttled {
		go m.sendWakeup(s.extName, s.name, s.typ, s.wakeAddr())
	}
	m.after(time.Duration(s.wakeup)*time.Second, func() { m.wakeupEvent(s, seq) })
}

// wakeAddr is where a trigger for s goes: the endpoint path, or for inet
// the first address (a wildcard means this host).
func (s *service) wakeAddr() string {
	if s.typ != "inet" {
		return s.name
	}
	ip := s.addrs[0]
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
		if s.addrs[0].To4() == nil {
			ip = net.IPv6loopback
		}
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(s.port))
}

// sendWakeup runs outside the event loop; failures are logged as
// Postfix logs them.
func (m *Master) sendWakeup(extName, name, typ, addr string) {
	var err error
	switch typ {
	case "inet":
		err = streamTrigger("tcp", addr)
	case "unix":
		err = streamTrigger("unix", addr)
	case "fifo":
		err = fifoTrigger(addr)
	case "pass":
		err = passTrigger(addr)
	default:
		err = unix.EOPNOTSUPP
	}
	if err != nil {
		maillog.Warn("master_wakeup_timer_event: service %s(%s): %s", extName, name, strerror(err))
	}
}

func streamTrigger(network, addr string) error {
	c, err := net.DialTimeout(network, addr, wakeupTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(wakeupTimeout))
	_, err = c.Write([]byte(wakeupRequest))
	return err
}

// fifoTrigger writes to a FIFO without blocking (fifo_trigger.c).
func fifoTrigger(path string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(wakeupRequest))
	return err
}

// passTrigger sends one end of a new socket pair to a "pass" service and
// writes the request on the other end (pass_trigger.c).
func passTrigger(path string) error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	c, err := net.DialTimeout("unix", path, wakeupTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return errors.New("not a UNIX-domain socket")
	}
	if _, _, err := uc.WriteMsgUnix([]byte{0}, unix.UnixRights(pair[1]), nil); err != nil {
		return err
	}
	_, err = unix.Write(pair[0], []byte(wakeupRequest))
	return err
}
