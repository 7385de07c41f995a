package config

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// Entry is one "name = value" definition of a main.cf-syntax file.
type Entry struct {
	Name  string
	Value string
	Line  int // first physical line of the logical line
}

// File is a parsed file in main.cf syntax (main.cf itself, ldap_table(5)
// files, ...). Later definitions win in Map; Entries keeps every one.
type File struct {
	Path     string
	Entries  []Entry
	Map      map[string]string
	Warnings []string // "FILE, line N: overriding earlier entry: name=old"
}

// Get returns the last definition of name.
func (f *File) Get(name string) (string, bool) {
	v, ok := f.Map[name]
	return v, ok
}

// ReadFile parses a file in main.cf syntax, as Postfix's dict_load_fp()
// does: comment and blank lines ignored, lines that start with white space
// continue the previous line, "name = value" with white space trimmed. A
// malformed line is an error naming the file and line, where Postfix is
// fatal.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses main.cf-syntax text; path is used in messages only.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path, Map: map[string]string{}}
	warn := func(w string) { f.Warnings = append(f.Warnings, w) }
	err := LogicalLines(path, bytes.NewReader(data), warn, func(first int, text string) error {
		name, value, err := SplitNameValue(text)
		if err != nil {
			return fmt.Errorf("%s, line %d: %s: \"%s\"", path, first, err, text)
		}
		if old, ok := f.Map[name]; ok && old != value {
			f.Warnings = append(f.Warnings, fmt.Sprintf("%s, line %d: overriding earlier entry: %s=%s", path, first, name, old))
		}
		f.Map[name] = value
		f.Entries = append(f.Entries, Entry{Name: name, Value: value, Line: first})
		return nil
	})
	return f, err
}

// LogicalLines calls fn for each logical line of r with the number of its
// first physical line (util/readlline.c): comment lines and all-white lines
// are skipped, even inside a logical line; a line that starts with white
// space is appended to the previous one without its newline. Text that
// continues nothing is skipped after a warning, as Postfix does.
func LogicalLines(path string, r io.Reader, warn func(string), fn func(first int, text string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<30)
	var (
		cur   strings.Builder
		first int
		line  int
	)
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		s := cur.String()
		cur.Reset()
		return fn(first, s)
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		t := strings.TrimLeft(text, " \t\r\n\v\f")
		if t == "" || t[0] == '#' {
			continue
		}
		if t != text { // continuation
			if cur.Len() == 0 {
				if warn != nil {
					warn(fmt.Sprintf("%s: logical line must not start with whitespace: \"%.30s\"", path, text))
				}
				continue
			}
			cur.WriteString(text)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		first = line
		cur.WriteString(text)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

// SplitNameValue splits "name = value" (util/split_nameval.c).
func SplitNameValue(s string) (name, value string, err error) {
	t := strings.TrimLeft(s, " \t\r\n\v\f")
	if t == "" || t[0] == '=' {
		return "", "", fmt.Errorf("missing attribute name")
	}
	end := strings.IndexAny(t, " \t\r\n\v\f=")
	if end < 0 {
		return "", "", fmt.Errorf("missing '=' after attribute name")
	}
	name = t[:end]
	rest := strings.TrimLeft(t[end:], " \t\r\n\v\f")
	if rest == "" || rest[0] != '=' {
		return "", "", fmt.Errorf("missing '=' after attribute name")
	}
	value = strings.Trim(rest[1:], " \t\r\n\v\f")
	return name, value, nil
}
