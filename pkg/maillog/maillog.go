// Package maillog is Postern's diagnostics logger: every program reports
// through it, in the line format that Postfix's msg(3), msg_syslog(3) and
// msg_logger(3) produce, so that pflogsumm, fail2ban and log exporters read
// Postern's logs unchanged.
//
// A record has a severity and a text. Info records are the bare text; the
// others are prefixed "warning: ", "error: ", "fatal: " or "panic: ". The
// text is cut at 2000 bytes and non-printable bytes become '?', as
// Postfix's printable() does (valid UTF-8 is kept). Fatal exits with
// status 1 and Panic with status 2 after running the cleanup hook.
//
// Destinations, chosen by Init from the configuration (maillog_client.c):
//
//   - syslog (maillog_file empty, the default): one datagram per record to
//     /dev/log, "<PRI>Mmm dd hh:mm:ss TAG[PID]: text", facility
//     $syslog_facility, TAG = $syslog_name/PROGRAM;
//   - postlog (maillog_file set): one datagram per record to the postlogd
//     socket $queue_directory/public/$postlog_service_name, in the file
//     format "Mmm dd hh:mm:ss HOST TAG[PID]: text" (HOST = first label of
//     $myhostname); postlogd appends it to $maillog_file. When the socket
//     cannot be reached (postlogd's own records, the postfix command before
//     the master runs) the record is appended to $maillog_file directly if
//     the process may open it (Postfix's logwriter fallback).
//
// Only one of the two is active at a time, as in Postfix. When stderr is a
// terminal, every record is also written there as "PROGRAM: text", the
// way Postfix's commands report (msg_vstream). Before Init, records go to
// stderr only, tagged with the basename of argv[0].
//
// Init connects at once, so a daemon that calls it before entering its
// chroot jail keeps its connection inside the jail (pkg/server does so).
//
// Each record is written with a single write or send, so records of
// concurrent processes never interleave; within a process a mutex
// serializes goroutines.
//
// Parameters read: syslog_name, syslog_facility, maillog_file,
// maillog_file_prefixes, postlog_service_name, queue_directory,
// myhostname.
package maillog

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/postern/postern/pkg/config"
)

// Severity levels, in Postfix's order (msg.h MSG_INFO ... MSG_PANIC).
type Level int

const (
	LevelInfo Level = iota
	LevelWarn
	LevelError
	LevelFatal
	LevelPanic
)

var levelNames = [...]string{"info", "warning", "error", "fatal", "panic"}

// String returns Postfix's severity name.
func (l Level) String() string { return levelNames[l] }

// RecordLimit is the longest text kept in one record (MSG_LOGGER_RECLEN).
const RecordLimit = 2000

var (
	mu       sync.Mutex
	std      *Logger // nil before Init
	verbose  atomic.Int32
	cleanup  func()
	exitFunc = os.Exit
)

// Init configures the process-wide logger for program (the executable's
// name: "smtpd", "master", "postfix"...). A configuration error (unknown
// facility, maillog_file outside maillog_file_prefixes) is fatal, as in
// Postfix. Init may be called again after a reload.
func Init(cfg *config.Config, program string) {
	l, err := New(cfg, program)
	if err != nil {
		Fatal("%v", err)
	}
	mu.Lock()
	old := std
	std = l
	mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// Default returns the process-wide logger, nil before Init.
func Default() *Logger {
	mu.Lock()
	defer mu.Unlock()
	return std
}

// SetVerbose sets the verbose level (-v options, MAIL_VERBOSE).
func SetVerbose(n int) { verbose.Store(int32(n)) }

// Verbose returns the verbose level; code logs debugging records with
// "if maillog.Verbose() > 0 { maillog.Info(...) }" as Postfix's msg_verbose.
func Verbose() int { return int(verbose.Load()) }

// SetCleanup installs a function that Fatal and Panic run before exiting
// (Postfix's msg_cleanup), for example to remove a half-written file.
func SetCleanup(fn func()) {
	mu.Lock()
	cleanup = fn
	mu.Unlock()
}

// Info logs an informational record.
func Info(format string, args ...any) { output(LevelInfo, format, args) }

// Warn logs "warning: text".
func Warn(format string, args ...any) { output(LevelWarn, format, args) }

// Error logs "error: text". Postfix exits after 13 errors; Postern leaves
// that to the caller.
func Error(format string, args ...any) { output(LevelError, format, args) }

// Fatal logs "fatal: text" and exits with status 1.
func Fatal(format string, args ...any) {
	output(LevelFatal, format, args)
	exit(1)
}

// Panic logs "panic: text" and exits with status 2: a broken invariant.
func Panic(format string, args ...any) {
	output(LevelPanic, format, args)
	exit(2)
}

func output(level Level, format string, args []any) {
	text := fmt.Sprintf(format, args...)
	if l := Default(); l != nil {
		l.Log(level, text)
		return
	}
	writeStderr(filepath.Base(os.Args[0]), level, Sanitize(text))
}

func exit(code int) {
	mu.Lock()
	fn := cleanup
	cleanup = nil
	mu.Unlock()
	if fn != nil {
		fn()
	}
	exitFunc(code)
}
