package server

import (
	"errors"

	"golang.org/x/sys/unix"
)

// The flow-control pipe (global/mail_flow.c): the master creates one pipe
// and gives it to every child as FlowReadFD and FlowWriteFD. Whoever
// drains the queue puts tokens in; a daemon that accepts new mail takes
// one per message and, when there is none, slows down by $in_flow_delay.

// FlowGet takes n tokens; it fails without waiting when fewer are there.
func FlowGet(n int) error {
	if n <= 0 {
		return nil
	}
	unix.SetNonblock(FlowReadFD, true)
	buf := make([]byte, n)
	got, err := unix.Read(FlowReadFD, buf)
	if err != nil {
		return err
	}
	if got != n {
		return errors.New("flow control: not enough tokens")
	}
	return nil
}

// FlowPut adds n tokens; a full pipe drops the excess silently.
func FlowPut(n int) error {
	if n <= 0 {
		return nil
	}
	unix.SetNonblock(FlowWriteFD, true)
	_, err := unix.Write(FlowWriteFD, make([]byte, n))
	if errors.Is(err, unix.EAGAIN) {
		return nil
	}
	return err
}

// FlowCount returns the number of tokens in the pipe.
func FlowCount() (int, error) {
	return unix.IoctlGetInt(FlowReadFD, unix.TIOCINQ)
}
