package submit

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// Exit statuses (sysexits.h).
const (
	exUsage       = 64
	exDataErr     = 65
	exUnavailable = 69
	exSoftware    = 70
	exOSErr       = 71
	exTempFail    = 75
	exNoPerm      = 77
)

// fatalError ends a command: "PROG: fatal: msg" on stderr and in the
// log, then exit with status.
type fatalError struct {
	status int
	msg    string
}

func (e *fatalError) Error() string { return e.msg }

func fatalf(status int, format string, args ...any) error {
	return &fatalError{status: status, msg: fmt.Sprintf(format, args...)}
}

// exitError ends a command quietly with a status.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// reporter writes a command's diagnostics as Postfix's msg_vstream and
// maillog_client do together: always "PROG: severity: text" on stderr,
// and the record in the mail log once the configuration is read.
type reporter struct {
	tag     string // stderr tag: the name the program was started as
	stderr  io.Writer
	logging bool // the mail log is set up (maillog.Init)
}

func (r *reporter) emit(level maillog.Level, text string) {
	prefix := ""
	if level != maillog.LevelInfo {
		prefix = level.String() + ": "
	}
	fmt.Fprintf(r.stderr, "%s: %s%s\n", r.tag, prefix, maillog.Sanitize(text))
	if l := maillog.Default(); r.logging && l != nil {
		l.Log(level, text)
	}
}

func (r *reporter) info(format string, args ...any) {
	r.emit(maillog.LevelInfo, fmt.Sprintf(format, args...))
}

func (r *reporter) warn(format string, args ...any) {
	r.emit(maillog.LevelWarn, fmt.Sprintf(format, args...))
}

func (r *reporter) errorf(format string, args ...any) {
	r.emit(maillog.LevelError, fmt.Sprintf(format, args...))
}

// finish turns a command's result into its exit status, reporting a
// fatal error.
func (r *reporter) finish(err error) int {
	var fe *fatalError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return int(ee)
	case errors.As(err, &fe):
		r.emit(maillog.LevelFatal, fe.msg)
		return fe.status
	}
	r.emit(maillog.LevelFatal, err.Error())
	return 1
}

// initLog starts the mail log as $syslog_name/program with the stderr
// copies left to the reporter.
func (r *reporter) initLog(cfg *config.Config, program string) {
	maillog.Init(cfg, program)
	if l := maillog.Default(); l != nil {
		l.SetEcho(false)
	}
	r.logging = true
}

// errnoText renders an error with strerror(3) words as Postfix's %m:
// "open file /x: No such file or directory".
func errnoText(err error) string {
	var errno syscall.Errno
	s := err.Error()
	if errors.As(err, &errno) {
		e := errno.Error()
		if i := strings.LastIndex(s, e); i >= 0 && e != "" {
			return s[:i] + strings.ToUpper(e[:1]) + e[1:] + s[i+len(e):]
		}
	}
	return s
}

// strerror is the strerror(3) text of the errno inside err alone.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

func (r *reporter) emitFatal(format string, args ...any) {
	r.emit(maillog.LevelFatal, fmt.Sprintf(format, args...))
}
