package postconf

import (
	"strings"
)

// Small string helpers with the semantics of Postfix's util/ library
// (stringops.h, mystrtok.c, split_nameval.c, extpar.c, balpar.c,
// argv_splitq.c), so that postconf parses exactly as Postfix does.

const (
	charsSpace   = " \t\r\n"  // CHARS_SPACE: word separator
	charsCommaSP = ", \t\r\n" // CHARS_COMMA_SP: list separator
	charsBrace   = "{}"       // CHARS_BRACE: grouping
	masterBlanks = " \t\r\n"  // PCF_MASTER_BLANKS
)

// at returns s[i], or 0 past the end, as reading a C string would.
func at(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

// isSpace is Postfix's ISSPACE: isascii(c) && isspace(c).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isAlnum is Postfix's ISALNUM for ASCII.
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipSpace returns the index of the first non-ISSPACE byte of s.
func skipSpace(s string) int {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// trimSpaceRight removes trailing ISSPACE bytes (util/trimblanks.c).
func trimSpaceRight(s string) string {
	e := len(s)
	for e > 0 && isSpace(s[e-1]) {
		e--
	}
	return s[:e]
}

// strspn and strcspn as in C.
func strspn(s, set string) int {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) >= 0 {
		i++
	}
	return i
}

func strcspn(s, set string) int {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) < 0 {
		i++
	}
	return i
}

// allDigits is util/alldig.c: non-empty and all digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// splitNameVal is util/split_nameval.c: "name = value" with white space
// around both trimmed; the error texts are Postfix's.
func splitNameVal(buf string) (name, value, errText string) {
	np := skipSpace(buf)
	if np == len(buf) || buf[np] == '=' {
		return "", "", "missing attribute name"
	}
	ep := np
	for ep < len(buf) && !isSpace(buf[ep]) && buf[ep] != '=' {
		ep++
	}
	cp := ep
	for cp < len(buf) && isSpace(buf[cp]) {
		cp++
	}
	if cp == len(buf) || buf[cp] != '=' {
		return "", "", "missing '=' after attribute name"
	}
	rest := buf[cp+1:]
	rest = rest[skipSpace(rest):]
	return buf[np:ep], trimSpaceRight(rest), ""
}

// mystrtok splits off the next token delimited by bytes in sep.
func mystrtok(src *string, sep string) (string, bool) {
	s := *src
	s = s[strspn(s, sep):]
	if s == "" {
		*src = s
		return "", false
	}
	end := strcspn(s, sep)
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
	s = s[strspn(s, sep):]
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
	if at(s, 0) != '{' {
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
	case at(s, 0) != '{':
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
		cp = cp[skipSpace(cp):]
	}
	return cp, errText
}

// basename is Postfix's util/basename.c.
func basename(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}
