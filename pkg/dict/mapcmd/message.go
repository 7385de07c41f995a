package mapcmd

import (
	"bufio"
	"io"
	"strings"
)

// messageKeys splits a message into lookup keys for postmap -h / -b
// (without -m): each logical primary header (continuation lines joined
// with "\n") when headers is set, then each body line when body is set.
// The header ends at an empty line or at the first line that is not a
// header or a continuation, which then starts the body.
func messageKeys(r io.Reader, headers, body bool, fn func(string) (bool, error)) (bool, error) {
	br := bufio.NewReader(r)
	found := false
	emit := func(k string) error {
		ok, err := fn(k)
		found = found || ok
		return err
	}
	var cur []string
	flush := func() error {
		if len(cur) == 0 || !headers {
			cur = nil
			return nil
		}
		k := strings.Join(cur, "\n")
		cur = nil
		return emit(k)
	}
	inHeader := true
	for {
		line, err := br.ReadString('\n')
		if line == "" && err != nil {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		if inHeader {
			switch {
			case len(cur) > 0 && line != "" && (line[0] == ' ' || line[0] == '\t'):
				cur = append(cur, line)
				continue
			case isHeaderLine(line):
				if e := flush(); e != nil {
					return found, e
				}
				cur = []string{line}
				continue
			}
			if e := flush(); e != nil {
				return found, e
			}
			inHeader = false
			if !body {
				return found, nil
			}
			if line == "" {
				continue
			}
		}
		if body {
			if e := emit(line); e != nil {
				return found, e
			}
		}
	}
	if inHeader {
		if e := flush(); e != nil {
			return found, e
		}
	}
	return found, nil
}

// isHeaderLine reports whether line starts "Name:" (is_header()):
// printable non-space characters up to the colon, optional blanks.
func isHeaderLine(line string) bool {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ':' {
			return i > 0
		}
		if c <= ' ' || c >= 127 {
			break
		}
		i++
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i > 0 && i < len(line) && line[i] == ':' && strings.TrimRight(line[:i], " \t") != ""
}
