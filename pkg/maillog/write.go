package maillog

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Syslog severities (syslog.h) for each Level, as msg_syslog.c maps them.
var syslogSeverity = [...]int{6, 4, 3, 2, 2} // INFO WARNING ERR CRIT CRIT

// Syslog facility codes (syslog.h), by the names syslog_facility accepts.
var facilities = map[string]int{
	"kern": 0 << 3, "user": 1 << 3, "mail": 2 << 3, "daemon": 3 << 3,
	"auth": 4 << 3, "syslog": 5 << 3, "lpr": 6 << 3, "news": 7 << 3,
	"uucp": 8 << 3, "cron": 9 << 3, "authpriv": 10 << 3, "ftp": 11 << 3,
	"local0": 16 << 3, "local1": 17 << 3, "local2": 18 << 3, "local3": 19 << 3,
	"local4": 20 << 3, "local5": 21 << 3, "local6": 22 << 3, "local7": 23 << 3,
}

// Log writes one record; Fatal and Panic levels do not exit here.
func (l *Logger) Log(level Level, text string) {
	text = Sanitize(text)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.echo {
		writeStderr(l.echoTag, level, text)
	}
	body := withSeverity(level, text)
	if l.postlog {
		l.send(l.FileLine(body), true)
		return
	}
	l.send(l.syslogRecord(level, body), false)
}

// Info, Warn and Error log through this Logger; Fatal logs and exits.
func (l *Logger) Info(format string, args ...any) { l.Log(LevelInfo, fmt.Sprintf(format, args...)) }
func (l *Logger) Warn(format string, args ...any) { l.Log(LevelWarn, fmt.Sprintf(format, args...)) }
func (l *Logger) Error(format string, args ...any) {
	l.Log(LevelError, fmt.Sprintf(format, args...))
}
func (l *Logger) Fatal(format string, args ...any) {
	l.Log(LevelFatal, fmt.Sprintf(format, args...))
	exit(1)
}

func withSeverity(level Level, text string) string {
	if level == LevelInfo {
		return text
	}
	return level.String() + ": " + text
}

// FileLine formats a maillog_file line without its newline:
// "Mmm dd hh:mm:ss host tag[pid]: text" (msg_logger.c, zero-padded day).
func (l *Logger) FileLine(body string) string {
	return fmt.Sprintf("%s %s %s[%d]: %s", l.now().Format("Jan 02 15:04:05"), l.host, l.tag, os.Getpid(), body)
}

// syslogRecord formats what glibc's syslog(3) sends for openlog(tag,
// LOG_PID, facility): "<PRI>Mmm dd hh:mm:ss tag[pid]: text" (space-padded
// day).
func (l *Logger) syslogRecord(level Level, body string) string {
	pri := l.priority | syslogSeverity[level]
	if l.noPID {
		return fmt.Sprintf("<%d>%s %s: %s", pri, l.now().Format(time.Stamp), l.tag, body)
	}
	return fmt.Sprintf("<%d>%s %s[%d]: %s", pri, l.now().Format(time.Stamp), l.tag, os.Getpid(), body)
}

// send writes one record in one call. On failure it redials once (syslog
// or postlogd restarted); a postlog record that still cannot be sent is
// appended to $maillog_file when this process may open it.
func (l *Logger) send(rec string, fileFallback bool) {
	for attempt := 0; attempt < 2 && !l.fileOnly; attempt++ {
		if l.conn == nil {
			l.dial()
		}
		if l.conn == nil {
			break
		}
		msg := rec
		if l.stream {
			msg += "\n"
		}
		if _, err := l.conn.Write([]byte(msg)); err == nil {
			return
		}
		l.conn.Close()
		l.conn = nil
	}
	if fileFallback {
		l.appendFile(rec)
	}
}

// appendFile is Postfix's logwriter: O_APPEND, created 0600, one write
// per line so that concurrent writers never interleave. Errors are
// dropped: there is nowhere left to report them.
func (l *Logger) appendFile(line string) {
	if l.openFile() == nil {
		l.out.Write([]byte(line + "\n"))
	}
}

func (l *Logger) openFile() error {
	if l.out != nil {
		return nil
	}
	if l.file == "/dev/stdout" {
		l.out = os.Stdout
		return nil
	}
	f, err := os.OpenFile(l.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW, 0600)
	if err != nil {
		return err
	}
	l.out = f
	return nil
}

// OpenFile opens $maillog_file for appending now, with Postfix's
// message on failure ("open logfile 'PATH': ..."): postlogd does this
// before it serves, as logwriter_open_or_die.
func (l *Logger) OpenFile() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == "" {
		return fmt.Errorf("no maillog_file configured")
	}
	if err := l.openFile(); err != nil {
		return fmt.Errorf("open logfile '%s': %v", l.file, err)
	}
	return nil
}

// AppendRecord appends a record formatted by another process (a postlog
// datagram) plus a newline to $maillog_file, in one write.
func (l *Logger) AppendRecord(rec []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.openFile(); err != nil {
		return err
	}
	_, err := l.out.Write(append(append([]byte(nil), rec...), '\n'))
	return err
}

// writeStderr writes "tag: [severity: ]text\n" in one write (msg_vstream).
func writeStderr(tag string, level Level, text string) {
	os.Stderr.Write([]byte(tag + ": " + withSeverity(level, text) + "\n"))
}

// Sanitize cuts text at RecordLimit bytes and replaces control
// characters and invalid UTF-8 with '?', as Postfix's printable().
func Sanitize(text string) string {
	if len(text) > RecordLimit {
		text = text[:RecordLimit]
	}
	clean := true
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return text
	}
	var b strings.Builder
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f:
			b.WriteByte('?')
		default:
			b.WriteString(text[:size])
		}
		text = text[size:]
	}
	return b.String()
}
