package pipe

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/resolve"
)

// envelope is what the prepended lines say (mail_copy()'s arguments).
type envelope struct {
	sender         string // after null_sender replacement
	origRcpt       string // for X-Original-To:
	delivered      string // for Delivered-To:
	enableOrigRcpt bool   // enable_original_recipient
	now            time.Time
}

// prefix returns the lines mail_copy() writes before the message, each
// ending in eol.
func prefix(flags int, env envelope, eol string) string {
	var b strings.Builder
	quoted := resolve.Quote822Local(env.sender)
	if flags&mailbox.CopyFrom != 0 {
		from := quoted
		if env.sender == "" {
			from = "MAILER-DAEMON"
		}
		b.WriteString("From " + from + "  " + env.now.Local().Format("Mon Jan _2 15:04:05 2006") + eol)
	}
	if flags&mailbox.CopyReturnPath != 0 {
		if env.sender == "" {
			quoted = ""
		}
		b.WriteString("Return-Path: <" + quoted + ">" + eol)
	}
	if flags&mailbox.CopyOrigRcpt != 0 && env.enableOrigRcpt && env.origRcpt != "" {
		b.WriteString("X-Original-To: " + resolve.Quote822Local(env.origRcpt) + eol)
	}
	if flags&mailbox.CopyDelivered != 0 {
		b.WriteString("Delivered-To: " + resolve.Quote822Local(env.delivered) + eol)
	}
	return b.String()
}

// readError is a failure to read the queue file.
type readError struct{ err error }

func (e *readError) Error() string { return "error reading message: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// copyMessage writes the prefix and the message to dst as mail_copy()
// does for pipe(8): every line ends in eol; ">" before lines that start
// with "From " (>), "." before lines that start with "." (.); a missing
// final line end is added; B adds an empty line.
func copyMessage(dst io.Writer, pfx string, content io.Reader, flags int, eol string) error {
	w := bufio.NewWriterSize(dst, 64<<10)
	r := bufio.NewReaderSize(content, 64<<10)
	w.WriteString(pfx)
	atStart, complete := true, true
	for {
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 {
			if atStart {
				escapeLine(w, chunk, flags)
			}
			if chunk[len(chunk)-1] == '\n' {
				w.Write(chunk[:len(chunk)-1])
				w.WriteString(eol)
				atStart, complete = true, true
			} else {
				w.Write(chunk)
				atStart, complete = false, false
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return &readError{err}
		}
	}
	if !complete {
		w.WriteString(eol)
	}
	if flags&mailbox.CopyBlank != 0 {
		w.WriteString(eol)
	}
	return w.Flush()
}

func escapeLine(w *bufio.Writer, line []byte, flags int) {
	if flags&mailbox.CopyQuote != 0 && len(line) >= 5 && string(line[:5]) == "From " {
		w.WriteByte('>')
	}
	if flags&mailbox.CopyDot != 0 && len(line) > 0 && line[0] == '.' {
		w.WriteByte('.')
	}
}
