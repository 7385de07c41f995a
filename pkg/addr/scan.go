package addr

import "strings"

// Token types beyond the single-character operators, which are their
// own byte value (global/tok822.h).
const (
	Atom          = 256 + iota // non-special character sequence
	QuotedString               // "..." without the quotes
	Comment                    // (...) with the parentheses, may nest
	DomainLiteral              // [...] without the brackets
	Address                    // parse tree: an address; its tokens are its children
	StartGroup                 // parse tree: the ':' that starts a named group
)

// opChars are the single-character operators: "|%!" plus the RFC 822
// specials (tok822_opchar).
const opChars = "|%!()<>@,;:\\\".[]"

// Token is one token of a flat list.
type Token struct {
	Type int    // an operator byte, or Atom, QuotedString, Comment, DomainLiteral
	Text string // the text of the multi-character types; "" for operators
}

// Tokens is a flat token list (tok822_scan's result).
type Tokens []Token

// Scan tokenizes s (tok822_scan).
func Scan(s string) Tokens { return AppendScan(nil, s) }

// AppendScan appends the tokens of s to dst.
func AppendScan(dst Tokens, s string) Tokens {
	for i := 0; i < len(s); {
		var t Token
		var ok bool
		if t, i, ok = nextToken(s, i); ok {
			dst = append(dst, t)
		}
	}
	return dst
}

func isSpaceTabCRLF(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isAtomChar(c byte) bool { return !isSpaceTabCRLF(c) && strings.IndexByte(opChars, c) < 0 }

// nextToken reads the token at s[i:]; ok is false for white space,
// which it skips.
func nextToken(s string, i int) (Token, int, bool) {
	c := s[i]
	i++
	switch {
	case isSpaceTabCRLF(c):
		return Token{}, i, false
	case c == '(':
		text, j := scanComment(s, i)
		return Token{Comment, text}, j, true
	case c == '[':
		text, j := collect(s, i, ']', true)
		return Token{DomainLiteral, text}, j, true
	case c == '"':
		text, j := collect(s, i, '"', true)
		return Token{QuotedString, text}, j, true
	case c != '\\' && strings.IndexByte(opChars, c) >= 0:
		return Token{Type: int(c)}, i, true
	}
	text, j := collect(s, i-1, 0, false)
	if needsQuote(text) {
		return Token{QuotedString, text}, j, true
	}
	return Token{Atom, text}, j, true
}

// collect copies bytes up to the byte end (an atom: while isAtomChar),
// a backslash escaping the next byte and white space becoming a blank
// (the COLLECT macro); with skipLast the terminating byte is consumed
// too. Text without escapes or folded white space is a substring of s.
func collect(s string, i int, end byte, skipLast bool) (string, int) {
	stop := func(c byte) bool {
		if end == 0 {
			return !isAtomChar(c)
		}
		return c == end
	}
	j := i
	for j < len(s) && s[j] != '\\' && !stop(s[j]) && (s[j] == ' ' || !isSpaceTabCRLF(s[j])) {
		j++
	}
	if j == len(s) || s[j] != '\\' && stop(s[j]) {
		text := s[i:j]
		if skipLast && j < len(s) {
			j++
		}
		return text, j
	}
	return collectSlow(s, i, stop, skipLast)
}

// collectSlow is collect for text with escapes or folded white space.
func collectSlow(s string, i int, stop func(byte) bool, skipLast bool) (string, int) {
	var sb strings.Builder
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) {
				i++
				break
			}
			i++
			c = s[i]
		} else if stop(c) {
			break
		}
		if isSpaceTabCRLF(c) {
			c = ' '
		}
		sb.WriteByte(c)
		i++
	}
	if skipLast && i < len(s) {
		i++
	}
	return sb.String(), i
}

// scanComment keeps a comment in its external form, nesting parentheses
// (tok822_comment); i is just after the opening parenthesis.
func scanComment(s string, i int) (string, int) {
	start := i - 1
	level := 1
	for i < len(s) {
		c := s[i]
		i++
		switch c {
		case '(':
			level++
		case ')':
			if level--; level == 0 {
				return s[start:i], i
			}
		case '\\':
			if i < len(s) {
				i++
			}
		}
	}
	return s[start:i], i
}

// needsQuote reports whether an atom holds a blank, a control character
// or an operator (tok822_quote_atom); 8-bit bytes are left alone.
func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c < 0x20 || c == 0x7f || strings.IndexByte(opChars, c) >= 0 {
			return true
		}
	}
	return false
}
