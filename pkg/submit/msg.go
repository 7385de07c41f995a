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
	ExUsage       = 64
	ExDataErr     = 65
	ExUnavailable = 69
	ExSoftware    = 70
	ExOSErr       = 71
	ExTempFail    = 75
	ExNoPerm      = 77
)

// FatalError ends a command: "PROG: fatal: Msg" on stderr and in the
// log, then exit with Status.
type FatalError struct {
	Status int
	Msg    string
}

func (e *FatalError) Error() string { return e.Msg }

// Fatalf returns a FatalError.
func Fatalf(status int, format string, args ...any) error {
	return &FatalError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// ExitStatus ends a command quietly with a status.
type ExitStatus int

func (e ExitStatus) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// Reporter writes a command's diagnostics as Postfix's msg_vstream and
// maillog_client do together: always "PROG: severity: text" on stderr,
// and the record in the mail log once the configuration is read.
type Reporter struct {
	Tag     string // stderr tag: the name the program was started as
	Stderr  io.Writer
	logging bool // the mail log is set up (InitLog)
}

func (r *Reporter) emit(level maillog.Level, text string) {
	prefix := ""
	if level != maillog.LevelInfo {
		prefix = level.String() + ": "
	}
	fmt.Fprintf(r.Stderr, "%s: %s%s\n", r.Tag, prefix, maillog.Sanitize(text))
	if l := maillog.Default(); r.logging && l != nil {
		l.Log(level, text)
	}
}

// Info reports an informational message.
func (r *Reporter) Info(format string, args ...any) {
	r.emit(maillog.LevelInfo, fmt.Sprintf(format, args...))
}

// Warn reports "warning: ...".
func (r *Reporter) Warn(format string, args ...any) {
	r.emit(maillog.LevelWarn, fmt.Sprintf(format, args...))
}

// Error reports "error: ...".
func (r *Reporter) Error(format string, args ...any) {
	r.emit(maillog.LevelError, fmt.Sprintf(format, args...))
}

// EmitFatal reports "fatal: ..." without ending anything (a child's
// last words that its parent repeats).
func (r *Reporter) EmitFatal(format string, args ...any) {
	r.emit(maillog.LevelFatal, fmt.Sprintf(format, args...))
}

// Finish turns a command's result into its exit status, reporting a
// fatal error.
func (r *Reporter) Finish(err error) int {
	var fe *FatalError
	var ee ExitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return int(ee)
	case errors.As(err, &fe):
		r.emit(maillog.LevelFatal, fe.Msg)
		return fe.Status
	}
	r.emit(maillog.LevelFatal, err.Error())
	return 1
}

// InitLog starts the mail log as $syslog_name/program, with the stderr
// copies left to the Reporter.
func (r *Reporter) InitLog(cfg *config.Config, program string) {
	maillog.Init(cfg, program)
	if l := maillog.Default(); l != nil {
		l.SetEcho(false)
	}
	r.logging = true
}

// ErrnoText renders an error with strerror(3) words as Postfix's %m:
// "open file /x: No such file or directory".
func ErrnoText(err error) string {
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

// Strerror is the strerror(3) text of the errno inside err alone.
func Strerror(err error) string { return config.Strerror(err) }
