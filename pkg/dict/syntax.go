package dict

import (
	"strings"
	"unicode/utf8"
)

// Small parsers shared by the table types, each a port of the Postfix
// utility of the same name (util/mystrtok.c, util/extpar.c,
// util/split_qnameval.c, util/balpar.c).

const (
	sepCommaSpace = ", \t\r\n"
)

// tokenizeQ splits s on the separator characters in sep, keeping text
// between '{' and '}' together (mystrtokq(..., CHARS_COMMA_SP, "{}")).
func tokenizeQ(s, sep string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, sep)
		if s == "" {
			return out
		}
		level, i := 0, 0
		for ; i < len(s); i++ {
			c := s[i]
			if c == '{' {
				level++
			} else if level > 0 && c == '}' {
				level--
			} else if level == 0 && strings.IndexByte(sep, c) >= 0 {
				break
			}
		}
		out = append(out, s[:i])
		if i >= len(s) {
			return out
		}
		s = s[i+1:]
	}
}

// balpar returns the length of the balanced "{...}" text at the start of
// s, or 0 when s does not start with '{' or the braces do not balance.
func balpar(s string) int {
	if s == "" || s[0] != '{' {
		return 0
	}
	level := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			level++
		case '}':
			level--
			if level == 0 {
				return i + 1
			}
		}
	}
	return 0
}

// extpar strips the braces around "{ text }" and the whitespace inside
// (extpar() with EXTPAR_FLAG_STRIP). The error text is Postfix's.
func extpar(s string) (string, string) {
	if s == "" || s[0] != '{' {
		return trimSpace(s), "no '{' at start of text in \"" + s + "\""
	}
	n := balpar(s)
	if n == 0 {
		return trimSpace(s[1:]), "missing '}' in \"" + s + "\""
	}
	if n != len(s) {
		return trimSpace(s[1 : n-1]), "syntax error after '}' in \"" + s + "\""
	}
	return trimSpace(s[1 : n-1]), ""
}

// splitQNameVal splits "name = value" where name may be quoted
// (split_qnameval()). The error texts are Postfix's.
func splitQNameVal(s string) (name, value, errText string) {
	k := 0
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	if k == len(s) {
		return "", "", "no key found; expected format: key = value"
	}
	inQuotes := false
	e := k
loop:
	for ; e < len(s); e++ {
		switch c := s[e]; {
		case c == '\\':
			e++
			if e >= len(s) {
				break loop
			}
		case isSpace(c) || c == '=':
			if !inQuotes {
				break loop
			}
		case c == '"':
			inQuotes = !inQuotes
		}
	}
	if inQuotes {
		return "", "", "unbalanced '\"'"
	}
	if e > len(s) {
		e = len(s)
	}
	v := e
	for v < len(s) && isSpace(s[v]) {
		v++
	}
	if v >= len(s) || s[v] != '=' {
		return "", "", "missing '=' after attribute name"
	}
	return s[k:e], trimSpace(s[v+1:]), ""
}

// foldKey lower-cases a lookup key as Postfix does for tables with
// fixed-string keys (DICT_FLAG_FOLD_FIX). ASCII keys are folded
// byte-wise, without allocating when nothing changes.
func foldKey(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// XXX: Postfix folds UTF-8 with ICU casefold; Go's
			// ToLower agrees for the common scripts.
			return strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			return foldASCII(s, i)
		}
	}
	return s
}

func foldASCII(s string, from int) string {
	b := []byte(s)
	for i := from; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
