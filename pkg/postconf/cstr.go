package postconf

import (
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// Small string helpers with the semantics of Postfix's util/ library
// (stringops.h, mystrtok.c, split_nameval.c, extpar.c, balpar.c,
// argv_splitq.c), so that postconf parses exactly as Postfix does.

const (
	charsCommaSP = ", \t\r\n" // CHARS_COMMA_SP: list separator
	charsBrace   = "{}"       // CHARS_BRACE: grouping
	masterBlanks = " \t\r\n"  // PCF_MASTER_BLANKS
)

// trimSpaceRight removes trailing ISSPACE bytes (util/trimblanks.c).
func trimSpaceRight(s string) string {
	e := len(s)
	for e > 0 && cstr.IsSpace(s[e-1]) {
		e--
	}
	return s[:e]
}

// splitNameVal is util/split_nameval.c: "name = value" with white space
// around both trimmed; the error texts are Postfix's.
func splitNameVal(buf string) (name, value, errText string) {
	np := cstr.SkipSpace(buf)
	if np == len(buf) || buf[np] == '=' {
		return "", "", "missing attribute name"
	}
	ep := np
	for ep < len(buf) && !cstr.IsSpace(buf[ep]) && buf[ep] != '=' {
		ep++
	}
	cp := ep
	for cp < len(buf) && cstr.IsSpace(buf[cp]) {
		cp++
	}
	if cp == len(buf) || buf[cp] != '=' {
		return "", "", "missing '=' after attribute name"
	}
	rest := buf[cp+1:]
	rest = rest[cstr.SkipSpace(rest):]
	return buf[np:ep], trimSpaceRight(rest), ""
}

// mystrtok splits off the next token delimited by bytes in sep.
func mystrtok(src *string, sep string) (string, bool) {
	s := *src
	s = s[cstr.Strspn(s, sep):]
	if s == "" {
		*src = s
		return "", false
	}
	end := cstr.Strcspn(s, sep)
	tok := s[:end]
	if end < len(s) {
		end++
	}
	*src = s[end:]
	return tok, true
}

// mystrtokq is mystrtok that keeps {} groups together (util/mystrtok.c).
func mystrtokq(src *string, sep string) (string, bool) {
	s := *src
	s = s[cstr.Strspn(s, sep):]
	if s == "" {
		*src = s
		return "", false
	}
	level := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '{':
			level++
		case level > 0 && ch == '}':
			level--
		case level == 0 && strings.IndexByte(sep, ch) >= 0:
			*src = s[i+1:]
			return s[:i], true
		}
	}
	*src = ""
	return s, true
}

// argvSplitq splits s into tokens as argv_splitq(s, sep, "{}") does.
func argvSplitq(s, sep string) []string {
	var out []string
	for {
		tok, ok := mystrtokq(&s, sep)
		if !ok {
			return out
		}
		out = append(out, tok)
	}
}

// argvSplit splits s as argv_split(): empty tokens are dropped.
func argvSplit(s, sep string) []string {
	var out []string
	for {
		tok, ok := mystrtok(&s, sep)
		if !ok {
			return out
		}
		out = append(out, tok)
	}
}

// balpar returns the length of the {text} at the start of s, 0 if the
// braces do not balance (util/balpar.c).
func balpar(s string) int {
	if cstr.At(s, 0) != '{' {
		return 0
	}
	level := 1
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '}':
			level--
			if level == 0 {
				return i + 1
			}
		case '{':
			level++
		}
	}
	return 0
}

// extpar extracts the text inside {} (util/extpar.c). With strip, white
// space around the result is removed. A non-empty errText is Postfix's
// complaint; the returned text is what Postfix continues with.
func extpar(s string, strip bool) (text, errText string) {
	cp := s
	switch n := balpar(s); {
	case cstr.At(s, 0) != '{':
		errText = "no '{' at start of text in \"" + s + "\""
	case n == 0:
		errText = "missing '}' in \"" + s + "\""
		cp = s[1:]
	default:
		if n < len(s) {
			errText = "syntax error after '}' in \"" + s + "\""
		}
		cp = s[1 : n-1]
	}
	if strip {
		cp = trimSpaceRight(cp)
		cp = cp[cstr.SkipSpace(cp):]
	}
	return cp, errText
}

// basename is Postfix's util/basename.c.
func basename(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}
