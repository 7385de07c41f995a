package smtpd

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// The input side of a session: a buffered reader with Postfix's line
// rules (global/smtp_stream.c smtp_get()). A line ends at LF; CRLF or a
// bare LF is stripped; a line longer than the bound is returned in
// pieces; bare LF is detected when the smtpd_forbid_bare_newline rules
// ask for it. Every read from the network has the smtpd_timeout limit.

// Errors that end a session, as Postfix's SMTP_ERR_EOF and SMTP_ERR_TIME.
var (
	errLost    = errors.New("lost connection")
	errTimeout = errors.New("timeout")
)

// bufSize is the read buffer (VSTREAM_BUFSIZE); improper pipelining is
// logged from what this buffer holds.
const bufSize = 4096

type lineReader struct {
	conn    net.Conn
	buf     []byte
	r, w    int
	timeout time.Duration
	// flush is called before the reader blocks on the network, so that
	// replies to pipelined commands go out when the input runs dry.
	flush func() error
	err   error
	line  []byte // the current line; reused
}

func newLineReader(conn net.Conn, timeout time.Duration, flush func() error) *lineReader {
	return &lineReader{conn: conn, buf: make([]byte, bufSize), timeout: timeout, flush: flush}
}

// fill reads more input into the buffer. It returns false at EOF or on
// error (kept in lr.err).
func (lr *lineReader) fill() bool {
	if lr.err != nil {
		return false
	}
	if lr.flush != nil {
		if err := lr.flush(); err != nil {
			lr.err = err
			return false
		}
	}
	if lr.r == lr.w {
		lr.r, lr.w = 0, 0
	}
	if lr.timeout > 0 {
		lr.conn.SetReadDeadline(time.Now().Add(lr.timeout))
	}
	n, err := lr.conn.Read(lr.buf[lr.w:])
	lr.w += n
	if n > 0 {
		return true
	}
	lr.err = classify(err)
	return false
}

// classify maps a network error to errTimeout or errLost.
func classify(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return errLost
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errTimeout
	}
	return errLost
}

// getc returns the next byte, or -1 at EOF or error.
func (lr *lineReader) getc() int {
	if lr.r == lr.w && !lr.fill() {
		return -1
	}
	c := lr.buf[lr.r]
	lr.r++
	return int(c)
}

func (lr *lineReader) ungetc() { lr.r-- }

// readBound appends bytes to lr.line until LF (included) or until bound
// bytes were read (vstring_get_flags_bound). It returns the last byte
// read, or -1 when nothing could be read.
func (lr *lineReader) readBound(bound int) int {
	start := len(lr.line)
	for bound > 0 {
		if lr.r == lr.w && !lr.fill() {
			break
		}
		avail := lr.buf[lr.r:min(lr.w, lr.r+bound)]
		n := len(avail)
		for i, c := range avail {
			if c == '\n' {
				n = i + 1
				break
			}
		}
		lr.line = append(lr.line, avail[:n]...)
		lr.r += n
		bound -= n
		if avail[n-1] == '\n' {
			break
		}
	}
	if len(lr.line) == start {
		return -1
	}
	return int(lr.line[len(lr.line)-1])
}

// lineResult describes one call of readLine.
type lineResult struct {
	last   int  // '\n' for a complete line, another byte for a piece, -1 at EOF
	bareLF bool // the line ended in LF without CR (only with detection on)
}

// readLine reads a line or a piece of at most bound bytes into lr.line
// (replacing it unless appendTo) and strips the line end, as
// smtp_get_noexcept(). With detect, one CR before LF is removed and a
// missing CR is reported; without, every trailing CR goes. With skip,
// the rest of an over-long line is read and discarded.
func (lr *lineReader) readLine(bound int, detect, skip, appendTo bool) lineResult {
	if !appendTo {
		lr.line = lr.line[:0]
	}
	var res lineResult
	res.last = lr.readBound(bound)
	if res.last == '\r' {
		if c := lr.getc(); c == '\n' {
			lr.line = append(lr.line, '\n')
			res.last = '\n'
		} else if c >= 0 {
			lr.ungetc()
		}
	}
	if res.last == '\n' {
		res.bareLF = lr.stripEnd(detect)
	}
	if res.last != '\n' && lr.err != nil {
		// Data cut short by EOF or a timeout does not count (smtp_get).
		res.last = -1
		return res
	}
	if res.last != '\n' && skip {
		for c := lr.getc(); c >= 0 && c != '\n'; c = lr.getc() {
		}
	}
	return res
}

// stripEnd removes the line terminator from lr.line and reports a bare LF.
func (lr *lineReader) stripEnd(detect bool) bool {
	l := lr.line[:len(lr.line)-1]
	bare := false
	if detect {
		if len(l) == 0 || l[len(l)-1] != '\r' {
			bare = true
		} else {
			l = l[:len(l)-1]
		}
	} else {
		for len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
	}
	lr.line = l
	return bare
}

// buffered returns the input already read but not consumed.
func (lr *lineReader) buffered() []byte { return lr.buf[lr.r:lr.w] }

// readFull reads exactly n bytes (n <= bufSize) and returns them; the
// slice is valid until the next read (BDAT chunks).
func (lr *lineReader) readFull(n int) ([]byte, bool) {
	for lr.w-lr.r < n {
		if lr.r > 0 {
			lr.w = copy(lr.buf, lr.buf[lr.r:lr.w])
			lr.r = 0
		}
		if !lr.fill() {
			return nil, false
		}
	}
	b := lr.buf[lr.r : lr.r+n]
	lr.r += n
	return b, true
}
