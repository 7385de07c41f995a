package dict

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// LineReader reads "logical lines" of a table source file exactly as
// Postfix's readllines() (util/readlline.c) does:
//   - blank lines and lines whose first non-blank character is '#' are
//     ignored, also in the middle of a continued line;
//   - a line that starts with whitespace continues the previous line: the
//     newline is dropped and the continuation's leading whitespace kept;
//   - a logical line that itself starts with whitespace is dropped with
//     the warning "FILE: logical line must not start with whitespace".
type LineReader struct {
	r      *bufio.Reader
	name   string
	lineno int
	warn   func(string)
	buf    []byte
}

// NewLineReader reads from r; name is used in warnings; warn may be nil.
func NewLineReader(r io.Reader, name string, warn func(string)) *LineReader {
	return &LineReader{r: bufio.NewReaderSize(r, 64<<10), name: name, warn: warn}
}

func (lr *LineReader) warnf(format string, args ...any) {
	if lr.warn != nil {
		lr.warn(fmt.Sprintf(format, args...))
	}
}

// readPhysical appends one physical line (without newline) to lr.buf.
// It returns eof=true when the input ended, and whether a newline or
// text was seen (so that the line counts).
func (lr *LineReader) readPhysical() (counted, eof bool, err error) {
	start := len(lr.buf)
	for {
		chunk, e := lr.r.ReadSlice('\n')
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			lr.buf = append(lr.buf, chunk[:len(chunk)-1]...)
			return true, false, nil
		}
		lr.buf = append(lr.buf, chunk...)
		if e == bufio.ErrBufferFull {
			continue
		}
		if e == io.EOF {
			return len(lr.buf) > start, true, nil
		}
		return len(lr.buf) > start, true, e
	}
}

// Next returns the next logical line and the number of its first
// physical line. ok is false at the end of input.
func (lr *LineReader) Next() (line string, first int, ok bool, err error) {
	for {
		line, first, ok, err = lr.next()
		if !ok || err != nil {
			return
		}
		if isSpace(line[0]) {
			more := ""
			if len(line) > 30 {
				more = "..."
			}
			lr.warnf("%s: logical line must not start with whitespace: \"%.30s%s\"", lr.name, line, more)
			continue
		}
		return line, first, true, nil
	}
}

func (lr *LineReader) next() (string, int, bool, error) {
	lr.buf = lr.buf[:0]
	first := 0
	gotNull := false
	for {
		start := len(lr.buf)
		counted, eof, err := lr.readPhysical()
		if err != nil {
			return "", 0, false, err
		}
		if counted {
			lr.lineno++
		}
		phys := lr.buf[start:]
		if bytes.IndexByte(phys, 0) >= 0 {
			gotNull = true
		}
		if t := bytes.TrimLeft(phys, " \t\n\v\f\r"); len(t) == 0 || t[0] == '#' {
			lr.buf = lr.buf[:start]
		}
		if start == 0 {
			first = lr.lineno
		}
		if eof {
			break
		}
		if len(lr.buf) > 0 {
			nb, e := lr.r.Peek(1)
			if e != nil || (nb[0] != '#' && !isSpace(nb[0])) {
				break
			}
		}
	}
	if gotNull {
		if first == lr.lineno {
			lr.warnf("%s, line %d: text after null byte may be ignored", lr.name, lr.lineno)
		} else {
			lr.warnf("%s, line %d-%d: text after null byte may be ignored", lr.name, first, lr.lineno)
		}
	}
	if len(lr.buf) == 0 {
		return "", 0, false, nil
	}
	s := string(lr.buf)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // C string semantics: text after NUL is lost
	}
	if s == "" {
		return lr.next()
	}
	return s, first, true, nil
}

// isSpace is C's isspace() in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// trimSpace trims C whitespace on both ends.
func trimSpace(s string) string {
	return strings.Trim(s, " \t\n\v\f\r")
}

// SplitKeyValue splits a postmap(1) source line into key and value as
// postmap.c and dict_thash.c do: the key ends at the first unquoted,
// unescaped whitespace ("a b" keys keep their quotes); the value is the
// rest with surrounding whitespace removed. problem is the Postfix
// warning text for a malformed line ("" when the line is good).
func SplitKeyValue(line string) (key, value, problem string) {
	inQuotes := false
	i := 0
loop:
	for ; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\':
			i++
			if i >= len(line) {
				break loop
			}
		case isSpace(c):
			if !inQuotes {
				break loop
			}
		case c == '"':
			inQuotes = !inQuotes
		}
	}
	if inQuotes {
		return "", "", fmt.Sprintf("unbalanced '\"' in '%s' -- ignoring this line", line)
	}
	if i > len(line) {
		i = len(line)
	}
	key = line[:i]
	value = trimSpace(line[i:])
	if key == "" || value == "" {
		return "", "", "expected format: key whitespace value"
	}
	return key, value, ""
}

// utf8Problem returns the postmap warning for a line that is not valid
// UTF-8 when UTF-8 checks are on (smtputf8_enable), or "".
func utf8Problem(line string) string {
	if utf8.ValidString(line) {
		return ""
	}
	return fmt.Sprintf("non-UTF-8 input \"%s\" -- ignoring this line", line)
}
