package smtpclient

import (
	"bufio"
	"io"
	"strings"
	"sync"
)

// contentReaders keeps the 64 KiB read buffers of finished deliveries
// for the next ones: one per message was most of smtp's allocations.
var contentReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// sendContent sends the message from the queue file: LF line ends become
// CRLF, a leading dot is doubled (RFC 5321 4.5.2), lines longer than
// smtp_line_length_limit are broken with CRLF SPACE, and with
// smtp_generic_maps the address headers of the primary header are
// rewritten. The end of the message stays in the output buffer, to go
// out with the final dot.
func (a *attempt) sendContent(s *session) *failure {
	s.out.timeout = a.cfg.Timeouts.DataXfer
	w := &textOut{s: s, limit: a.cfg.LineLimit, a: a}
	br := contentReaders.Get().(*bufio.Reader)
	br.Reset(a.d.Content())
	defer func() {
		br.Reset(nil)
		contentReaders.Put(br)
	}()
	inHeader := true
	var hdr []string
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return &failure{dsn: localDataError(s)}
		}
		if line == "" && err == io.EOF {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case !inHeader:
			w.line(line)
		case line == "":
			w.header(hdr)
			hdr, inHeader = nil, false
			w.line(line)
		case (line[0] == ' ' || line[0] == '\t') && len(hdr) > 0:
			hdr = append(hdr, line)
		default:
			w.header(hdr)
			hdr = []string{line}
		}
		if w.err != nil {
			return s.streamError(w.err, whereBody)
		}
		if err == io.EOF {
			break
		}
	}
	w.header(hdr)
	if w.err != nil {
		return s.streamError(w.err, whereBody)
	}
	return nil
}

// textOut writes message lines (smtp_text_out).
type textOut struct {
	s      *session
	a      *attempt
	limit  int
	err    error
	logged bool
}

// header writes one logical header, rewritten by smtp_generic_maps when
// it carries addresses.
func (w *textOut) header(lines []string) {
	if len(lines) == 0 {
		return
	}
	if w.a.cfg.Generic != nil {
		lines = w.a.rewriteHeader(lines)
	}
	for _, l := range lines {
		w.line(l)
	}
}

// line writes one line with CRLF, dot-stuffed, broken at the limit.
func (w *textOut) line(text string) {
	if w.err != nil {
		return
	}
	bw := w.s.bw
	space := w.limit
	for {
		if space == w.limit && text != "" && text[0] == '.' {
			bw.WriteByte('.')
		}
		if w.limit > 0 && len(text) >= space {
			bw.WriteString(text[:space])
			_, w.err = bw.WriteString("\r\n")
			text, space = text[space:], w.limit
			if text == "" {
				return
			}
			bw.WriteByte(' ')
			space--
			if !w.logged {
				w.a.cfg.info("%s: breaking line > %d bytes with <CR><LF>SPACE", w.a.d.Req.QueueID, w.limit)
				w.logged = true
			}
			continue
		}
		bw.WriteString(text)
		_, w.err = bw.WriteString("\r\n")
		return
	}
}
