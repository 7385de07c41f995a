package sendmail

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Record types of the input lines (rec_streamlf_get()): a complete line
// without its LF, the first part of a line longer than the line length
// limit (or a last line without LF), and the end of the input.
const (
	lineEOF = iota
	lineNorm
	lineCont
)

// lineReader splits the message on standard input into lines of at most
// line_length_limit bytes, as Postfix's sendmail reads it.
type lineReader struct {
	br    *bufio.Reader
	limit int
	buf   []byte
	err   error // a read error other than EOF
}

func newLineReader(r io.Reader, limit int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

func (lr *lineReader) next() (int, []byte) {
	lr.buf = lr.buf[:0]
	for len(lr.buf) < lr.limit {
		c, err := lr.br.ReadByte()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				lr.err = err
			}
			if len(lr.buf) > 0 {
				return lineCont, lr.buf
			}
			return lineEOF, nil
		}
		if c == '\n' {
			return lineNorm, lr.buf
		}
		lr.buf = append(lr.buf, c)
	}
	return lineCont, lr.buf
}

// Values of sendmail_fix_line_endings (postconf(5)).
const (
	stripCRUnknown = iota // "strict": decided by the first line
	stripCRYes            // "always"
	stripCRNo             // "never"
)

// contentSink takes the message lines: the stream to postdrop, or the
// header extractor of sendmail -t in front of it.
type contentSink interface {
	line(typ int, text []byte) error
}

// copyContent reads the message from r and hands its lines to sink, as
// the content loop of Postfix's sendmail: leading "From " lines (also
// ">From ") are dropped, a line with only "." ends the message unless
// -i/-oi was given, and CR before LF is removed as
// sendmail_fix_line_endings says.
func copyContent(lr *lineReader, sink contentSink, stripCR int, aeof bool) error {
	skipFrom := true
	prev := 0
	for {
		typ, buf := lr.next()
		if typ == lineEOF {
			return nil
		}
		if stripCR == stripCRUnknown && typ == lineNorm {
			stripCR = stripCRNo
			if bytes.HasSuffix(buf, []byte("\r")) {
				stripCR = stripCRYes
			}
		}
		if skipFrom && typ == lineNorm && bytes.HasPrefix(bytes.TrimLeft(buf, ">"), []byte("From ")) {
			prev = typ
			continue
		}
		skipFrom = false
		if stripCR == stripCRYes && typ == lineNorm {
			buf = bytes.TrimRight(buf, "\r")
		}
		if aeof && prev != lineCont && len(buf) == 1 && buf[0] == '.' {
			return nil
		}
		if err := sink.line(typ, buf); err != nil {
			return err
		}
		prev = typ
	}
}

// streamSink writes lines unchanged to the postdrop stream.
type streamSink struct{ w io.Writer }

func (s streamSink) line(typ int, text []byte) error {
	if typ == lineNorm {
		text = append(text, '\n')
	}
	_, err := s.w.Write(text)
	return err
}
