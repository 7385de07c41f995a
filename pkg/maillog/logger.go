package maillog

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
)

// SyslogPath is the local syslog socket.
var SyslogPath = "/dev/log"

// Logger writes records for one program identity. Most code uses the
// package functions, which go through the logger set up by Init; a
// program that logs under two names (the postfix command also speaks as
// postfix/postfix-script) makes a second Logger with New.
type Logger struct {
	mu       sync.Mutex
	tag      string // $syslog_name/program
	noPID    bool   // tag already carries a [pid] (postlogd relaying)
	echoTag  string // prefix of stderr copies
	echo     bool   // stderr is a terminal
	postlog  bool   // maillog_file mode
	fileOnly bool   // postlogd itself: never send to the socket
	host     string // first label of $myhostname (postlog records)
	priority int    // syslog facility
	path     string // socket to (re)dial: /dev/log or the postlog socket
	file     string // $maillog_file
	conn     net.Conn
	stream   bool     // conn is a stream socket: records end in "\n"
	out      *os.File // maillog_file opened for the fallback
	now      func() time.Time
	pid      int    // this process's id, read once (Go programs do not fork)
	buf      []byte // the record being formatted, reused
	// The last time stamp formatted, reused within its second.
	stampSec    int64
	stampLayout string
	stampBuf    []byte
}

// New returns a Logger for program, configured from cfg as Init does.
func New(cfg *config.Config, program string) (*Logger, error) {
	name := cfg.Get("syslog_name")
	if name == "" {
		name = "postfix"
	}
	l := &Logger{
		tag:  name + "/" + filepath.Base(program),
		echo: isTerminal(2),
		now:  time.Now,
		pid:  os.Getpid(),
	}
	l.echoTag = filepath.Base(program)
	fac, ok := facilities[strings.ToLower(cfg.Get("syslog_facility"))]
	if !ok {
		return nil, fmt.Errorf("unknown syslog facility: %s", cfg.Get("syslog_facility"))
	}
	l.priority = fac
	if err := l.setDestination(cfg); err != nil {
		return nil, err
	}
	return l, nil
}

// setDestination chooses syslog or postlog mode (maillog_client.c) and
// adopts a descriptor passed by the master.
func (l *Logger) setDestination(cfg *config.Config) error {
	l.file = cfg.Get("maillog_file")
	l.postlog = l.file != ""
	if l.postlog {
		if !hasPrefix(l.file, cfg.List("maillog_file_prefixes")) {
			return fmt.Errorf("maillog_file value '%s' does not match any prefix in maillog_file_prefixes", l.file)
		}
		l.host, _, _ = strings.Cut(cfg.Get("myhostname"), ".")
		l.path = filepath.Join(cfg.Get("queue_directory"), "public", cfg.Get("postlog_service_name"))
	} else {
		l.path = SyslogPath
	}
	l.dial()
	return nil
}

func hasPrefix(file string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(file, p) {
			return true
		}
	}
	return false
}

// dial connects to the logging socket; failure is silent, as Postfix's
// syslog and msg_logger clients are: records then go to the fallback.
func (l *Logger) dial() {
	if l.fileOnly {
		return
	}
	if conn, err := net.Dial("unixgram", l.path); err == nil {
		l.setConn(conn)
		return
	}
	if l.postlog {
		return
	}
	if conn, err := net.Dial("unix", l.path); err == nil {
		l.setConn(conn)
	}
}

func (l *Logger) setConn(conn net.Conn) {
	if l.conn != nil {
		l.conn.Close()
	}
	l.conn = conn
	l.stream = conn.LocalAddr().Network() == "unix"
}

// SetStderrTag changes the prefix of the stderr copies (postlog -t).
func (l *Logger) SetStderrTag(tag string) {
	l.mu.Lock()
	l.echoTag = tag
	l.mu.Unlock()
}

// SetTag replaces the whole "$syslog_name/program" tag (postlog -t). A
// tag that ends in "[pid]" is used as is, without this process's pid
// (postlogd relaying another process's record).
func (l *Logger) SetTag(tag string) {
	l.mu.Lock()
	l.tag = tag
	l.noPID = strings.HasSuffix(tag, "]") && strings.Contains(tag, "[")
	l.mu.Unlock()
}

// Tag returns the record tag, "postfix/smtpd".
func (l *Logger) Tag() string { return l.tag }

// SetEcho forces the stderr copies on or off.
func (l *Logger) SetEcho(on bool) {
	l.mu.Lock()
	l.echo = on
	l.mu.Unlock()
}

// UseFileOnly makes a postlog-mode logger append to $maillog_file itself
// and never send to the postlog socket: postlogd's own records.
func (l *Logger) UseFileOnly() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fileOnly = true
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}

// Close releases the logger's socket and file.
func (l *Logger) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
	if l.out != nil && l.out != os.Stdout {
		l.out.Close()
	}
	l.out = nil
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
