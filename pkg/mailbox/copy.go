package mailbox

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/postern/postern/pkg/addr"
)

// Copy flags (global/mail_copy.h MAIL_COPY_*).
const (
	CopyQuote      = 1 << 0 // prepend ">" to lines starting with "From "
	CopyToFile     = 1 << 1 // fsync, and truncate to the old length on failure
	CopyFrom       = 1 << 2 // prepend the "From sender date" envelope line
	CopyDelivered  = 1 << 3 // prepend Delivered-To:
	CopyReturnPath = 1 << 4 // prepend Return-Path:
	CopyDot        = 1 << 5 // escape leading dots (BSMTP)
	CopyBlank      = 1 << 6 // append an empty line
	CopyOrigRcpt   = 1 << 7 // prepend X-Original-To:

	// CopyMbox is UNIX mailbox format.
	CopyMbox = CopyFrom | CopyQuote | CopyToFile | CopyDelivered | CopyReturnPath | CopyBlank | CopyOrigRcpt
)

// Envelope is what the prepended lines say.
type Envelope struct {
	Sender    string // envelope sender, internal form; "" is the null sender
	OrigRcpt  string // original recipient; "" writes no X-Original-To:
	Delivered string // final recipient for Delivered-To:
	// EnableOrigRcpt is enable_original_recipient: without it no
	// X-Original-To: is written.
	EnableOrigRcpt bool
	Now            time.Time // for the From_ line, in the local time zone
}

// Prefix returns the lines mail_copy() writes before the message, each
// ending in "\n":
//
//	From SENDER  Www Mmm dd hh:mm:ss yyyy   (CopyFrom; MAILER-DAEMON for <>)
//	Return-Path: <SENDER>                   (CopyReturnPath)
//	X-Original-To: ORIG                     (CopyOrigRcpt, when known and enabled)
//	Delivered-To: RCPT                      (CopyDelivered)
//
// Addresses are quoted as RFC 822 local parts require (quote_822_local).
func Prefix(flags int, env Envelope) string {
	var b strings.Builder
	sender := addr.QuoteLocal(env.Sender)
	if flags&CopyFrom != 0 {
		from := sender
		if env.Sender == "" {
			from = "MAILER-DAEMON"
		}
		// asctime(localtime(&now)) without its newline.
		b.WriteString("From " + from + "  " + env.Now.Local().Format("Mon Jan _2 15:04:05 2006") + "\n")
	}
	if flags&CopyReturnPath != 0 {
		if env.Sender == "" {
			sender = ""
		}
		b.WriteString("Return-Path: <" + sender + ">\n")
	}
	if flags&CopyOrigRcpt != 0 && env.EnableOrigRcpt && env.OrigRcpt != "" {
		b.WriteString("X-Original-To: " + addr.QuoteLocal(env.OrigRcpt) + "\n")
	}
	if flags&CopyDelivered != 0 {
		b.WriteString("Delivered-To: " + addr.QuoteLocal(env.Delivered) + "\n")
	}
	return b.String()
}

// ReadError is a failure to read the message content.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "error reading message: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// WriteMessage writes prefix and then the message content (header and
// body with LF line ends) to dst as mail_copy() does: with CopyQuote a
// ">" goes before each line that starts with "From ", with CopyDot a
// "." before each line that starts with "."; a missing final newline is
// added, and with CopyBlank an empty line follows. A read error is
// returned as a *ReadError; anything else is a write error.
func WriteMessage(dst io.Writer, prefix string, content io.Reader, flags int) error {
	w := bufio.NewWriterSize(dst, 64<<10)
	r := bufio.NewReaderSize(content, 64<<10)
	w.WriteString(prefix)
	atStart, last := true, byte('\n')
	for {
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 {
			if atStart {
				quoteLine(w, chunk, flags)
			}
			w.Write(chunk)
			last = chunk[len(chunk)-1]
			atStart = last == '\n'
		}
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return &ReadError{err}
		}
	}
	if last != '\n' {
		w.WriteByte('\n')
	}
	if flags&CopyBlank != 0 {
		w.WriteByte('\n')
	}
	return w.Flush()
}

func quoteLine(w *bufio.Writer, line []byte, flags int) {
	if flags&CopyQuote != 0 && len(line) >= 5 && string(line[:5]) == "From " {
		w.WriteByte('>')
	}
	if flags&CopyDot != 0 && len(line) > 0 && line[0] == '.' {
		w.WriteByte('.')
	}
}
