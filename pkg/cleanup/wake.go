package cleanup

import (
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// wakeTimeout bounds the qmgr wake-up; a busy or absent qmgr must not
// delay the reply to the client.
const wakeTimeout = time.Second

// wake starts delivery of a committed message at once.
func (c *Cleanup) wake() {
	if c.opts.Wake != nil {
		c.opts.Wake()
		return
	}
	WakeQmgr(c.layout.Dir)
}

// WakeQmgr writes the wake-up request "W" (QMGR_REQ_SCAN_INCOMING) to
// $queue_directory/public/qmgr, a FIFO or a UNIX socket depending on
// master.cf (mail_trigger()). A missing or unresponsive qmgr is not an
// error: the message is on disk and qmgr's periodic scan finds it.
func WakeQmgr(queueDir string) {
	path := filepath.Join(queueDir, "public", "qmgr")
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	if st.Mode()&os.ModeNamedPipe != 0 {
		wakeFIFO(path)
		return
	}
	conn, err := net.DialTimeout("unix", path, wakeTimeout)
	if err != nil {
		return
	}
	conn.SetDeadline(time.Now().Add(wakeTimeout))
	conn.Write([]byte("W"))
	conn.Close()
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
