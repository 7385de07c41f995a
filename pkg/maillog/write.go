package maillog

import (
	"fmt"
	"os"
	"strconv"
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
	if l.postlog {
		l.buf = l.appendFileLine(l.buf[:0], level, text)
		l.send(l.buf, true)
		return
	}
	l.buf = l.appendSyslogRecord(l.buf[:0], level, text)
	l.send(l.buf, false)
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
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.appendFileLine(nil, LevelInfo, body))
}

// appendFileLine appends a maillog_file line without its newline to b.
// Called with l.mu held; the time stamp is formatted once a second.
func (l *Logger) appendFileLine(b []byte, level Level, text string) []byte {
	b = append(b, l.stamp("Jan 02 15:04:05")...)
	b = append(b, ' ')
	b = append(b, l.host...)
	b = append(b, ' ')
	b = l.appendTag(b)
	return appendSeverity(b, level, text)
}

// appendSyslogRecord appends what glibc's syslog(3) sends for
// openlog(tag, LOG_PID, facility): "<PRI>Mmm dd hh:mm:ss tag[pid]: text"
// (space-padded day). Called with l.mu held.
func (l *Logger) appendSyslogRecord(b []byte, level Level, text string) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(l.priority|syslogSeverity[level]), 10)
	b = append(b, '>')
	b = append(b, l.stamp(time.Stamp)...)
	b = append(b, ' ')
	b = l.appendTag(b)
	return appendSeverity(b, level, text)
}

// appendTag appends "tag[pid]: ", or "tag: " for a relayed tag that
// already has its pid.
func (l *Logger) appendTag(b []byte) []byte {
	b = append(b, l.tag...)
	if !l.noPID {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(l.pid), 10)
		b = append(b, ']')
	}
	return append(b, ':', ' ')
}

func appendSeverity(b []byte, level Level, text string) []byte {
	if level != LevelInfo {
		b = append(b, level.String()...)
		b = append(b, ':', ' ')
	}
	return append(b, text...)
}

// stamp returns the current time in layout, formatted again only when
// the second or the layout changed (a busy daemon logs many records a
// second). Called with l.mu held.
func (l *Logger) stamp(layout string) []byte {
	now := l.now()
	sec := now.Unix()
	if sec != l.stampSec || layout != l.stampLayout || l.stampBuf == nil {
		l.stampBuf = now.AppendFormat(l.stampBuf[:0], layout)
		l.stampSec, l.stampLayout = sec, layout
	}
	return l.stampBuf
}

// send writes one record in one call. On failure it redials once (syslog
// or postlogd restarted); a postlog record that still cannot be sent is
// appended to $maillog_file when this process may open it. rec may be
// extended by one byte (the newline of a stream socket).
func (l *Logger) send(rec []byte, fileFallback bool) {
	for attempt := 0; attempt < 2 && !l.fileOnly; attempt++ {
		if l.conn == nil {
			l.dial()
		}
		if l.conn == nil {
			break
		}
		msg := rec
		if l.stream {
			msg = append(rec, '\n')
		}
		if _, err := l.conn.Write(msg); err == nil {
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
func (l *Logger) appendFile(line []byte) {
	if l.openFile() == nil {
		l.out.Write(append(line, '\n'))
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
	return l.AppendRecords([][]byte{rec})
}

// AppendRecords appends records formatted by other processes, each plus
// a newline, to $maillog_file with one write: an O_APPEND write is never
// interleaved with another process's, so each record stays whole.
func (l *Logger) AppendRecords(recs [][]byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.openFile(); err != nil {
		return err
	}
	b := l.buf[:0]
	for _, rec := range recs {
		b = append(append(b, rec...), '\n')
	}
	l.buf = b
	_, err := l.out.Write(b)
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
