package local

import (
	"strings"
)

// An RFC 822 address parser, as Postfix's global/tok822_parse.c, for
// what local(8) parses: the right-hand side of an alias, each line of a
// .forward or :include: file, and addresses handed to the resolver. The
// parser builds a doubly linked token list and groups it right to left
// into address nodes, exactly as Postfix does, so that "a, b c" or
// "name <addr>" yield the same addresses. "|" is an operator (for
// |command destinations), "/" is not (for /file destinations).
//
// XXX: the same algorithm lives in pkg/smtpd (tok822.go, tok822_tree.go);
// a shared package would remove the copy.

const (
	tokAtom = 256 + iota
	tokQString
	tokDomLit
	tokComment
	tokAddr
	tokStartGrp
)

// opChars are the single-character operators (tok822_opchar).
const opChars = "|%!()<>@,;:\\\".[]"

type tok822 struct {
	typ               int
	text              string
	prev, next        *tok822
	head, tail, owner *tok822
}

func newTok(typ int, text string) *tok822 { return &tok822{typ: typ, text: text} }

func isSpaceTabCRLF(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scan822 tokenizes s left to right (tok822_scan).
func scan822(s string) (head, tail *tok822) {
	for i := 0; i < len(s); {
		c := s[i]
		i++
		var t *tok822
		switch {
		case isSpaceTabCRLF(c):
			continue
		case c == '(':
			var text string
			text, i = scanComment(s, i)
			t = newTok(tokComment, text)
		case c == '[':
			var text string
			text, i = collect(s, i, func(c byte) bool { return c != ']' }, true)
			t = newTok(tokDomLit, text)
		case c == '"':
			var text string
			text, i = collect(s, i, func(c byte) bool { return c != '"' }, true)
			t = newTok(tokQString, text)
		case c != '\\' && strings.IndexByte(opChars, c) >= 0:
			t = newTok(int(c), "")
		default:
			var text string
			text, i = collect(s, i-1, isAtomChar, false)
			t = newTok(tokAtom, text)
			if needsQuote(text) {
				t.typ = tokQString
			}
		}
		if head == nil {
			head, tail = t, t
		} else {
			tail = appendTok(tail, t)
		}
	}
	return head, tail
}

func isAtomChar(c byte) bool { return !isSpaceTabCRLF(c) && strings.IndexByte(opChars, c) < 0 }

// collect copies bytes while cond holds, a backslash escaping the next
// byte and white space becoming a plain space (the COLLECT macro).
func collect(s string, i int, cond func(byte) bool, skipLast bool) (string, int) {
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
		} else if !cond(c) {
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

// scanComment keeps a comment in external form (tok822_comment).
func scanComment(s string, i int) (string, int) {
	start, level := i-1, 1
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

// needsQuote: an atom with a space, a control character or an operator
// is a quoted string (tok822_quote_atom); 8-bit bytes are left alone.
func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c < 0x20 || c == 0x7f || strings.IndexByte(opChars, c) >= 0 {
			return true
		}
	}
	return false
}
