package scache

import (
	"errors"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// sendFD sends a descriptor as one data byte with SCM_RIGHTS
// (unix_send_fd).
func sendFD(c *net.UnixConn, fd int, timeout time.Duration) error {
	c.SetWriteDeadline(time.Now().Add(timeout))
	_, _, err := c.WriteMsgUnix([]byte{0}, unix.UnixRights(fd), nil)
	return err
}

// recvFD receives a descriptor sent by sendFD (unix_recv_fd).
func recvFD(c *net.UnixConn, timeout time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4*4))
	_, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	c.SetReadDeadline(time.Time{})
	if err != nil {
		return -1, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return -1, err
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil || len(fds) == 0 {
			continue
		}
		for _, extra := range fds[1:] {
			unix.Close(extra)
		}
		unix.CloseOnExec(fds[0])
		return fds[0], nil
	}
	return -1, errors.New("no descriptor received")
}
