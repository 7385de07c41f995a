package queue

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Per-message delivery logs: defer/ID (temporary failures), bounce/ID
// (permanent failures) and trace/ID (DSN success and verbose delivery
// records). The format is Postfix's (bounce/bounce_append_service.c):
// each record is a blank line, then "name=value" lines, then a blank
// line. Values never contain a newline: Append replaces CR and LF with
// spaces. A record cut short by a crash (no closing blank line) is
// ignored by ReadLog, as bounce_log_read() does.

// LogRecord is one recipient's entry in a delivery log.
type LogRecord struct {
	Recipient string // recipient address ("" = null address, written "<>")
	OrigRcpt  string // original_recipient, when it differs
	Offset    int64  // the recipient's queue file record offset
	DSNOrcpt  string // dsn_orig_rcpt (RFC 3461 ORCPT)
	Notify    int    // notify_flags, Notify* bits
	Status    string // DSN status, e.g. 4.4.1
	Action    string // DSN action: delayed, failed, delivered, relayed, expanded
	DiagType  string // diag_type, e.g. smtp
	DiagText  string // diag_text, the remote reply
	MTAType   string // mta_type, e.g. dns
	MTAName   string // mta_mname, the remote host
	Reason    string // reason, the text logged and shown by mailq
}

// format renders r as one log entry, with its blank lines, in the order
// and with the omissions of bounce_append_service().
func (r *LogRecord) format() []byte {
	var b strings.Builder
	b.WriteString("\n")
	put := func(name, value string) {
		if value != "" {
			b.WriteString(name + "=" + logValue.Replace(value) + "\n")
		}
	}
	rcpt := r.Recipient
	if rcpt == "" {
		rcpt = "<>"
	}
	put("recipient", rcpt)
	if !strings.EqualFold(r.OrigRcpt, r.Recipient) {
		put("original_recipient", r.OrigRcpt)
	}
	if r.Offset > 0 {
		put("offset", strconv.FormatInt(r.Offset, 10))
	}
	put("dsn_orig_rcpt", r.DSNOrcpt)
	if r.Notify != 0 {
		put("notify_flags", strconv.Itoa(r.Notify))
	}
	put("status", r.Status)
	put("action", r.Action)
	if r.DiagType != "" && r.DiagText != "" {
		put("diag_type", r.DiagType)
		put("diag_text", r.DiagText)
	}
	if r.MTAType != "" && r.MTAName != "" {
		put("mta_type", r.MTAType)
		put("mta_mname", r.MTAName)
	}
	put("reason", r.Reason)
	b.WriteString("\n")
	return []byte(b.String())
}

// logValue keeps a value on one line.
var logValue = strings.NewReplacer("\r", " ", "\n", " ")

// AppendLog appends records to the log of message id in logQueue (Defer,
// Bounce or Trace) under an exclusive lock, and fsyncs before returning.
// If the write fails the log is cut back to its previous length.
func (l *Layout) AppendLog(logQueue, id string, recs ...LogRecord) error {
	path := l.Path(logQueue, id)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, os.ErrNotExist) {
		if err = mkdirDurable(filepath.Dir(path)); err == nil {
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		}
	}
	if err != nil {
		return fmt.Errorf("open file %s %s: %w", logQueue, id, err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock file %s %s: %w", logQueue, id, err)
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	var buf []byte
	for i := range recs {
		buf = append(buf, recs[i].format()...)
	}
	if _, err := f.Write(buf); err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Truncate(st.Size())
		return fmt.Errorf("append file %s %s: %w", logQueue, id, err)
	}
	return nil
}

// ReadLog returns the records of message id's log in logQueue; a missing
// log is no records and no error. Malformed lines are skipped, as
// bounce_log_read() does.
func (l *Layout) ReadLog(logQueue, id string) ([]LogRecord, error) {
	recs, _, err := l.ReadLogFile(logQueue, id)
	return recs, err
}

// ReadLogFile is ReadLog that also tells whether the log exists (a
// missing log need not be removed).
func (l *Layout) ReadLogFile(logQueue, id string) (recs []LogRecord, exists bool, err error) {
	f, err := os.Open(l.Path(logQueue, id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	recs, err = readLog(f)
	return recs, true, err
}

func readLog(f *os.File) ([]LogRecord, error) {
	defer f.Close()
	var out []LogRecord
	var cur *LogRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		if cur == nil {
			cur = &LogRecord{}
		}
		cur.set(line)
	}
	return out, sc.Err()
}

// set applies one "name=value" line; unknown names are ignored.
func (r *LogRecord) set(line string) {
	name, value, ok := strings.Cut(line, "=")
	if !ok {
		return
	}
	switch name {
	case "recipient":
		if value == "<>" {
			value = ""
		}
		r.Recipient = value
	case "original_recipient":
		r.OrigRcpt = value
	case "offset":
		r.Offset, _ = strconv.ParseInt(value, 10, 64)
	case "dsn_orig_rcpt":
		r.DSNOrcpt = value
	case "notify_flags":
		r.Notify, _ = strconv.Atoi(value)
	default:
		r.setDSN(name, value)
	}
}

func (r *LogRecord) setDSN(name, value string) {
	switch name {
	case "status":
		r.Status = value
	case "action":
		r.Action = value
	case "diag_type":
		r.DiagType = value
	case "diag_text":
		r.DiagText = value
	case "mta_type":
		r.MTAType = value
	case "mta_mname":
		r.MTAName = value
	case "reason":
		r.Reason = value
	}
}
