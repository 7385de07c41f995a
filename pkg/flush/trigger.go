package flush

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
)

// mailTrigger sends req to $queue_directory/public/SERVICE, a FIFO or a
// UNIX socket (mail_trigger(), fifo_trigger(), unix_trigger(): over a
// socket the request is followed by a NUL byte). Nobody listening is
// no error for a FIFO; the caller logs other failures.
func mailTrigger(queueDir, service string, req []byte, timeout time.Duration) error {
	path := filepath.Join(queueDir, "public", service)
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("unable to look up public/%s: %s", service, config.Strerror(err))
	}
	switch {
	case st.Mode()&os.ModeNamedPipe != 0:
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil
		}
		defer unix.Close(fd)
		_, err = unix.Write(fd, req)
		return err
	case st.Mode()&os.ModeSocket != 0:
		conn, err := net.DialTimeout("unix", path, timeout)
		if err != nil {
			return fmt.Errorf("connect to public/%s: %s", service, config.Strerror(err))
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(timeout))
		_, err = conn.Write(append(append([]byte{}, req...), 0))
		return err
	}
	return fmt.Errorf("public/%s is not a socket or a fifo", service)
}
