package submit

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// mailTrigger sends a wake-up request to $queue_directory/public/SERVICE
// (global/mail_trigger.c): a FIFO gets the request written without
// blocking; a UNIX socket gets a connection, the request and a NUL byte
// (unix_trigger.c), each step bounded by timeout. A service that does not
// answer is no error: the mail waits in the maildrop directory for the
// next periodic wake-up. The error, worded as Postfix's warnings, is
// for a trigger that does not exist or is neither a FIFO nor a socket.
func mailTrigger(queueDir, service string, req []byte, timeout time.Duration) error {
	rel := "public/" + service
	path := filepath.Join(queueDir, rel)
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("unable to look up %s: %s", rel, Strerror(err))
	}
	switch {
	case st.Mode()&os.ModeNamedPipe != 0:
		fifoTrigger(path, req)
	case st.Mode()&os.ModeSocket != 0:
		unixTrigger(path, req, timeout)
	default:
		return fmt.Errorf("%s is not a socket or a fifo", rel)
	}
	return nil
}

func fifoTrigger(path string, req []byte) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	unix.Write(fd, req)
	unix.Close(fd)
}

func unixTrigger(path string, req []byte, timeout time.Duration) {
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	conn.Write(append(append([]byte(nil), req...), 0))
}
