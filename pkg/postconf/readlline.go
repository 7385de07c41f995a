package postconf

import (
	"fmt"
	"os"
	"syscall"

	"github.com/postern/postern/pkg/config/cstr"
)

// logicalLines reads data as util/readlline.c readllines() does and calls
// fn with each logical line and the number of its first physical line.
// Comment and all-white lines are skipped, also inside a logical line; a
// line that starts with white space continues the previous one (without
// its newline). Text that continues nothing is skipped with Postfix's
// warning, naming path.
func logicalLines(s *session, path string, data []byte, fn func(first int, text string) error) error {
	r := &lineReader{data: data}
	lineno := 0
	for {
		text, first, ok := readLogical(r, &lineno)
		if !ok {
			return nil
		}
		if cstr.IsSpace(text[0]) {
			more := ""
			if len(text) > 30 {
				text, more = text[:30], "..."
			}
			s.warn("%s: logical line must not start with whitespace: \"%s%s\"", path, text, more)
			continue
		}
		if err := fn(first, text); err != nil {
			return err
		}
	}
}

// readLogical returns the next non-empty logical line.
func readLogical(r *lineReader, lineno *int) (text string, first int, ok bool) {
	var buf []byte
	for {
		start := len(buf)
		line, nl, more := r.getLine()
		if !more {
			break
		}
		buf = append(buf, line...)
		if nl || len(buf) > start {
			*lineno++
		}
		cp := start
		for cp < len(buf) && cstr.IsSpace(buf[cp]) {
			cp++
		}
		if cp == len(buf) || buf[cp] == '#' {
			buf = buf[:start]
		} else if start == 0 {
			first = *lineno
		}
		if !nl {
			break
		}
		if len(buf) > 0 {
			if next := r.peek(); next != '#' && !(next >= 0 && cstr.IsSpace(byte(next))) {
				break
			}
		}
	}
	return string(buf), first, len(buf) > 0
}

// lineReader reads physical lines from a byte slice.
type lineReader struct {
	data []byte
	pos  int
}

// getLine returns the next line without its newline, whether a newline
// ended it, and false at end of input.
func (r *lineReader) getLine() (line []byte, nl, ok bool) {
	if r.pos >= len(r.data) {
		return nil, false, false
	}
	rest := r.data[r.pos:]
	for i, c := range rest {
		if c == '\n' {
			r.pos += i + 1
			return rest[:i], true, true
		}
	}
	r.pos = len(r.data)
	return rest, false, true
}

// get returns the next line including its newline, as vstring_get().
func (r *lineReader) get() (string, bool) {
	line, nl, ok := r.getLine()
	if nl {
		return string(line) + "\n", true
	}
	return string(line), ok
}

// peek returns the next byte, -1 at end of input.
func (r *lineReader) peek() int {
	if r.pos >= len(r.data) {
		return -1
	}
	return int(r.data[r.pos])
}

// dict is an insertion-ordered name=value table, standing in for
// Postfix's in-memory dictionaries. Postfix walks its hash tables in a
// random order; Postern walks in file order, so its warnings come in a
// stable order.
type dict struct {
	names []string
	vals  map[string]string
}

func newDict() *dict { return &dict{vals: map[string]string{}} }

func (d *dict) get(name string) (string, bool) {
	if d == nil {
		return "", false
	}
	v, ok := d.vals[name]
	return v, ok
}

func (d *dict) update(name, value string) {
	if _, ok := d.vals[name]; !ok {
		d.names = append(d.names, name)
	}
	d.vals[name] = value
}

func (d *dict) del(name string) {
	if _, ok := d.vals[name]; !ok {
		return
	}
	delete(d.vals, name)
	for i, n := range d.names {
		if n == name {
			d.names = append(d.names[:i:i], d.names[i+1:]...)
			return
		}
	}
}

// keys returns a snapshot of the names in insertion order.
func (d *dict) keys() []string { return append([]string(nil), d.names...) }

// loadDict adds the name=value lines of data to d as dict_load_fp() does:
// a changed value is an "overriding earlier entry" warning, a malformed
// line is fatal.
func (s *session) loadDict(d *dict, path string, data []byte) error {
	return logicalLines(s, path, data, func(first int, text string) error {
		name, value, errText := splitNameVal(text)
		if errText != "" {
			return fmt.Errorf("%s, line %d: %s: \"%s\"", path, first, errText, text)
		}
		if old, ok := d.get(name); ok && old != value {
			s.warn("%s, line %d: overriding earlier entry: %s=%s", path, first, name, old)
		}
		d.update(name, value)
		return nil
	})
}

// strerror returns the C library text of an error's errno ("No such file
// or directory"), as Postfix's %m prints it.
func strerror(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if le, ok := err.(*os.LinkError); ok {
		err = le.Err
	}
	if en, ok := err.(syscall.Errno); ok {
		t := en.Error()
		if t != "" && t[0] >= 'a' && t[0] <= 'z' {
			t = string(t[0]-'a'+'A') + t[1:]
		}
		return t
	}
	return err.Error()
}
