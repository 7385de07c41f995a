package cleanup

import (
	"bytes"
	"fmt"

	"github.com/postern/postern/pkg/queue"
)

// content is the message content state machine: the primary header block
// is parsed one logical header at a time (at most header_size_limit
// bytes each); the body is copied to the queue file as it arrives.
type content struct {
	inBody  bool
	partial []byte // the current incomplete line (header section only)
	skip    bool   // discarding the rest of an over-long header line
	hdr     []byte // the logical header being collected, without final LF
	seen    map[hdrType]bool
	resent  bool
	hops    int
	lastLF  bool // the last byte written was LF (or nothing was written)
	size    *queue.MessageSize
}

// Write appends message content: the header and body as lines ending in
// LF, after SMTP dot-unstuffing. Any chunking is fine; a line may span
// calls. Write returns an error only for misuse (after Commit or Abort);
// message-level failures are returned by Commit, so smtpd reads DATA to
// its end and replies as Postfix does.
func (m *Message) Write(p []byte) (int, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if m.body == nil {
		m.startContent()
	}
	b := m.body
	n := len(p)
	for len(p) > 0 && !b.inBody {
		p = m.headerInput(p)
	}
	if len(p) > 0 {
		m.out(p)
	}
	return n, nil
}

// headerInput consumes header-section input up to and including one LF
// (or all of p when there is none) and returns the rest.
func (m *Message) headerInput(p []byte) []byte {
	b := m.body
	i := bytes.IndexByte(p, '\n')
	chunk, rest := p, []byte(nil)
	if i >= 0 {
		chunk, rest = p[:i], p[i+1:]
	}
	if !b.skip {
		b.partial = append(b.partial, chunk...)
	}
	if i < 0 {
		m.capPartial()
		return rest
	}
	line := b.partial
	b.partial = b.partial[:0]
	b.skip = false
	m.headerLine(line)
	return rest
}

// capPartial bounds the memory an unterminated header line may take: a
// header or continuation is cut at header_size_limit (Postfix discards
// the excess); anything else is the start of the body and streams on.
func (m *Message) capPartial() {
	b := m.body
	limit := m.c.p.headerSizeLimit
	if len(b.partial) <= limit || b.skip {
		return
	}
	if isContinuation(b.partial) && len(b.hdr) > 0 || HeaderNameLen(b.partial) > 0 {
		b.partial = b.partial[:limit]
		b.skip = true
		return
	}
	m.flushHeader()
	m.endHeaders(b.partial)
	m.out(b.partial)
	b.partial = nil
}

// headerLine handles one complete line of the header section.
func (m *Message) headerLine(line []byte) {
	b := m.body
	if len(b.hdr) > 0 && isContinuation(line) {
		if len(b.hdr) < m.c.p.headerSizeLimit {
			b.hdr = append(append(b.hdr, '\n'), line...)
		}
		return
	}
	m.flushHeader()
	if n := HeaderNameLen(line); n > 0 {
		// "Name :value" is normalized to "Name:value" (mime_state.c).
		rest := bytes.TrimLeft(line[n:], " \t")
		b.hdr = append(append(b.hdr[:0], line[:n]...), rest...)
		if len(b.hdr) > m.c.p.headerSizeLimit {
			b.hdr = b.hdr[:m.c.p.headerSizeLimit]
		}
		return
	}
	// The first line that is no header ends the header block; it is the
	// first body line (normally the empty separator line).
	m.endHeaders(line)
	m.out(append(line, '\n'))
}

// endHeaders ends the primary header block at the line that is no
// header: missing headers are added, and when that line is not the empty
// separator, an empty line is inserted before it so that it stays body
// text (mime_state.c, "garbage in primary header").
func (m *Message) endHeaders(line []byte) {
	m.headersDone()
	m.body.inBody = true
	if len(line) > 0 {
		m.out([]byte{'\n'})
	}
}

// flushHeader processes the collected logical header, if any.
func (m *Message) flushHeader() {
	b := m.body
	if len(b.hdr) == 0 {
		return
	}
	h := string(b.hdr)
	b.hdr = b.hdr[:0]
	m.header(h)
}

// isContinuation reports whether a line continues the previous header.
func isContinuation(line []byte) bool {
	return len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
}

// HeaderNameLen is is_header_buf(): the length of the header name when
// line starts a header ("Name:" or the obsolete "Name :"), else 0.
// sendmail -t reads headers with it too.
func HeaderNameLen(line []byte) int {
	n, space := 0, false
	for _, c := range line {
		switch {
		case c == ':':
			return n
		case c == ' ' || c == '\t':
			if n == 0 {
				return 0
			}
			space = true
		case c < 33 || c > 126 || space:
			return 0
		default:
			n++
		}
	}
	return 0
}

// out writes content bytes to the queue file and counts the message
// size as Postfix does (queue.MessageSize: lines written before the end
// of the primary headers are header lines). message_size_limit limits
// the queue file size as Postfix's cleanup does with its file size
// limit, the content counted as Postfix's records.
func (m *Message) out(p []byte) {
	if len(p) == 0 || m.failed != nil {
		return // the message will not be queued: stop writing
	}
	b := m.body
	if b.size == nil {
		b.size = queue.NewMessageSize(m.c.p.lineLimit)
	}
	b.size.Write(p, !b.inBody)
	limit := m.c.p.messageSizeLimit
	if limit > 0 && m.w.Size()-m.w.ContentSize()+b.size.Total() > limit {
		m.fail(errSize())
		return
	}
	if m.w.Err() != nil {
		return
	}
	if _, err := m.w.Write(p); err != nil {
		m.writeErr(err)
		return
	}
	m.body.lastLF = p[len(p)-1] == '\n'
}

// outLine writes one line of generated header text plus LF.
func (m *Message) outLine(format string, args ...any) {
	m.out([]byte(fmt.Sprintf(format, args...) + "\n"))
}

// finishContent ends the content at Commit: an unterminated last line
// is completed, and a message that ended inside its headers gets them
// processed.
func (m *Message) finishContent() {
	if m.body == nil {
		m.startContent()
	}
	b := m.body
	if !b.inBody {
		if len(b.partial) > 0 {
			m.headerLine(b.partial)
			b.partial = nil
		}
		if !b.inBody {
			m.flushHeader()
			m.headersDone()
			b.inBody = true
		}
	}
	if !b.lastLF {
		if b.size != nil {
			b.size.Unterminated()
		}
		m.out([]byte{'\n'})
	}
	if m.failed == nil && b.size != nil {
		m.w.SetMessageSize(b.size.Total())
	}
	if m.failed == nil {
		m.writeErr(m.w.EndContent())
	}
	m.writeLate()
}
