package cleanup

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// wakeTimeout bounds the qmgr wake-up; a busy or absent qmgr must not
// delay the reply to the client.
const wakeTimeout = time.Second

// wakeGap is the least time between two wake-ups from one smtpd
// process (NewWaker). Each wake-up costs a connection to qmgr, two
// status reports of qmgr to the master and a scan of incoming/; at 20
// sessions a commit came about every 0.6 ms and most commits sent one.
// With the gap, throughput at 20 sessions rose by 9% and a message
// waits at most 1 ms longer for its scan (one session: no change).
const wakeGap = time.Millisecond

// wake starts delivery of a committed message at once.
func (c *Cleanup) wake() {
	if c.opts.Wake != nil {
		c.opts.Wake()
		return
	}
	if err := WakeQmgr(c.layout.Dir); err != nil {
		c.logf("warning", "%v", err)
	}
}

// WakeQmgr writes the wake-up request "W" (TRIGGER_REQ_WAKEUP) to
// $queue_directory/public/qmgr, a FIFO or a UNIX socket depending on
// master.cf (mail_trigger(), fifo_trigger(), unix_trigger(): over a
// socket the request is followed by a NUL byte). A qmgr that does not
// answer is no error: the message is on disk and qmgr's periodic scan
// finds it. The only error, worded as Postfix's, is a trigger that does
// not exist or is neither a FIFO nor a socket; the caller logs it as a
// warning.
func WakeQmgr(queueDir string) error {
	path := filepath.Join(queueDir, "public", "qmgr")
	if wakeSocket(path) {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("unable to look up public/qmgr: %s", errText(err))
	}
	switch {
	case st.Mode()&os.ModeNamedPipe != 0:
		wakeFIFO(path)
	case st.Mode()&os.ModeSocket != 0:
		conn, err := net.DialTimeout("unix", path, wakeTimeout)
		if err != nil {
			return nil
		}
		conn.SetDeadline(time.Now().Add(wakeTimeout))
		conn.Write([]byte("W\x00"))
		conn.Close()
	default:
		return fmt.Errorf("public/qmgr is not a socket or a fifo")
	}
	return nil
}

// wakeSocket sends the wake-up over a UNIX socket with plain system
// calls (socket, setsockopt, connect, write, close: half of what a
// net.Dial costs, once per burst of commits); connecting waits at most
// wakeTimeout for room in a full listen queue. It reports false when
// path is not a socket that takes connections (a FIFO, nothing, a path
// too long for a socket address): WakeQmgr then looks at what it is.
func wakeSocket(path string) bool {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(wakeTimeout.Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		// A full listen queue (EAGAIN after the timeout) means
		// wake-ups are queued that qmgr has not read yet: the scan
		// after them finds this message.
		return errors.Is(err, unix.EAGAIN)
	}
	unix.Write(fd, []byte("W\x00"))
	return true
}

// errText is strerror(3) text ("No such file or directory").
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// wakeFIFO writes to a FIFO without blocking: with no reader the open
// fails (ENXIO) and nothing needs to happen.
func wakeFIFO(path string) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	unix.Write(fd, []byte("W"))
	unix.Close(fd)
}

// NewWaker returns a wake-up function for Options.Wake in a process
// whose sessions commit at once (smtpd): the "W" is sent by one
// goroutine, and requests that come while one is waiting or being sent
// are merged into it, as are those during the wakeGap that follows each
// wake-up, so that a burst of commits wakes qmgr once or twice instead
// of once per message. qmgr scans incoming on each
// wake-up and finds every message committed before the scan. warn
// reports a trigger that does not exist.
func NewWaker(queueDir string, warn func(format string, args ...any)) func() {
	pending := make(chan struct{}, 1)
	go func() {
		for range pending {
			if err := WakeQmgr(queueDir); err != nil {
				warn("%v", err)
			}
			// Requests during the pause merge into the next wake-up.
			time.Sleep(wakeGap)
		}
	}()
	return func() {
		select {
		case pending <- struct{}{}:
		default: // a wake-up is already pending: it covers this message
		}
	}
}
