package mailbox

import (
	"errors"
	"fmt"
	"syscall"
)

// Error is a failed delivery with its RFC 3463 status and text, as
// Postfix's dsb_simple() records it. Status starts with 4 (try again) or
// 5 (bounce). Errno is the system error behind it, 0 when none.
type Error struct {
	Status string
	Text   string
	Errno  syscall.Errno
	// Diag is the diagnostic text for a delivery status notice
	// (Diagnostic-Code: x-unix; ...), "" when there is none: Postfix's
	// dsb_unix() gives read and write errors "input/output error".
	Diag string
}

func (e *Error) Error() string { return e.Status + " " + e.Text }

// Temporary reports whether the status is a 4.x.x.
func (e *Error) Temporary() bool { return e.Status != "" && e.Status[0] == '4' }

// errorf builds an Error whose status comes from err (DSNFor).
func errorf(err error, def, format string, args ...any) *Error {
	e := &Error{Status: DSNFor(err, def), Text: fmt.Sprintf(format, args...)}
	errors.As(err, &e.Errno)
	return e
}

// DSNFor maps a system error to a mailbox delivery status, as Postfix's
// mbox_dsn(): EAGAIN and ESTALE 4.2.0 (try again), ENOSPC 4.3.0 (system
// full), EDQUOT and EFBIG 5.2.2 (mailbox full), anything else def.
func DSNFor(err error, def string) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return def
	}
	switch errno {
	case syscall.EAGAIN, syscall.ESTALE:
		return "4.2.0"
	case syscall.ENOSPC:
		return "4.3.0"
	case syscall.EDQUOT, syscall.EFBIG:
		return "5.2.2"
	}
	return def
}

// errText is strerror(errno) for a system error (Go's texts start in
// lower case, glibc's in upper case), else the error's text.
func errText(err error) string {
	if err == nil {
		return "Success"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	return err.Error()
}

// ErrText is errText for other packages: the strerror() text of a
// system error, as Postfix's %m prints it.
func ErrText(err error) string { return errText(err) }
