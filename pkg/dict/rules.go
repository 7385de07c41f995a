package dict

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Pattern tables (cidr:, regexp:, pcre:) read their rules from a file,
// or from inline text "type:{ {rule}, {rule} }" (Postfix 3.7 dict_stream):
// each braced element is one rule and counts as one line.

// ruleLine is one logical line of a pattern table.
type ruleLine struct {
	text   string
	lineno int
}

// readRules returns the logical lines of a pattern table source and the
// name used in messages.
func readRules(typ, name string, opts Options) ([]ruleLine, error) {
	if strings.HasPrefix(name, "{") {
		return inlineRules(typ, name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	return ruleLines(typ, name, f, opts)
}

// ruleLines reads the logical lines of a pattern table from r.
func ruleLines(typ, name string, r io.Reader, opts Options) ([]ruleLine, error) {
	var out []ruleLine
	lr := NewLineReader(r, name, opts.Warn)
	for {
		line, n, ok, err := lr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s map %s: read error: %w", typ, name, err)
		}
		if !ok {
			return out, nil
		}
		out = append(out, ruleLine{line, n})
	}
}

func inlineRules(typ, name string) ([]ruleLine, error) {
	n := balpar(name)
	if n == 0 || n != len(name) {
		return nil, fmt.Errorf("%s map %s: bad syntax; need \"%s:{{rule}...}\"", typ, name, typ)
	}
	var out []ruleLine
	for i, el := range tokenizeQ(name[1:n-1], sepCommaSpace) {
		text, e := extpar(el)
		if e != "" {
			return nil, fmt.Errorf("%s map %s, line %d: %s", typ, name, i+1, e)
		}
		out = append(out, ruleLine{text, i + 1})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s map %s: empty table", typ, name)
	}
	return out, nil
}

// ifKeyword reports whether s starts with the keyword kw (IF, ENDIF),
// case-insensitively and not followed by a letter or digit; rest is
// the text after it.
func ifKeyword(s, kw string) (rest string, ok bool) {
	if len(s) < len(kw) || !strings.EqualFold(s[:len(kw)], kw) {
		return "", false
	}
	if len(s) > len(kw) && isAlnum(s[len(kw)]) {
		return "", false
	}
	return s[len(kw):], true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// negations strips leading '!' and whitespace; match is flipped once per '!'.
func negations(s string) (rest string, match bool) {
	match = true
	i := 0
	for ; i < len(s); i++ {
		if s[i] == '!' {
			match = !match
		} else if !isSpace(s[i]) {
			break
		}
	}
	return s[i:], match
}

// ifStack tracks IF/ENDIF nesting while rules are parsed: it records
// for each IF rule the index just past its ENDIF.
type ifStack struct {
	open []int // indexes of open IF rules
	line []int // their line numbers
}

func (s *ifStack) push(idx, lineno int) {
	s.open = append(s.open, idx)
	s.line = append(s.line, lineno)
}

// pop closes the innermost IF; ok is false for an ENDIF without IF.
func (s *ifStack) pop() (idx int, ok bool) {
	if len(s.open) == 0 {
		return 0, false
	}
	idx = s.open[len(s.open)-1]
	s.open, s.line = s.open[:len(s.open)-1], s.line[:len(s.line)-1]
	return idx, true
}

// unclosed returns the Postfix error for an IF without ENDIF, or nil.
func (s *ifStack) unclosed(typ, name string) error {
	if len(s.open) == 0 {
		return nil
	}
	return fmt.Errorf("%s map %s, line %d: IF has no matching ENDIF", typ, name, s.line[len(s.line)-1])
}
