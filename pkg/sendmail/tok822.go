package sendmail

import "strings"

// An RFC 822 address parser, as Postfix's global/tok822_parse.c: find the
// addresses in a sendmail -f or recipient argument or in a To:, Cc: or
// Bcc: header, tolerate comments, phrases, groups and source routes, and
// produce the internal (unquoted) form. This is a copy of pkg/smtpd's
// parser, which is private to that package. The parser
// builds a doubly linked token list and groups it right to left into
// address nodes, as Postfix does, so that the same inputs give the same
// number of addresses and the same result.

// Token types beyond single-character operators.
const (
	tokAtom = 256 + iota
	tokQString
	tokDomLit
	tokComment
	tokAddr
	tokStartGrp
)

// opChars are the single-character operators: RFC 822 specials plus
// '|', '%' and '!' (tok822_opchar).
const opChars = "|%!()<>@,;:\\\".[]"

type tok822 struct {
	typ               int
	text              string
	prev, next        *tok822
	head, tail, owner *tok822
}

// tokArena hands out tokens; a session reuses one to keep address
// parsing free of per-token allocations once warmed up.
type tokArena struct {
	toks []tok822
	n    int
	sb   strings.Builder
}

func (a *tokArena) reset() { a.n = 0 }

func (a *tokArena) alloc(typ int, text string) *tok822 {
	if a.n == len(a.toks) {
		// Grow by a fresh block: earlier tokens stay valid.
		a.toks = make([]tok822, max(16, 2*len(a.toks)))
		a.n = 0
	}
	t := &a.toks[a.n]
	a.n++
	*t = tok822{typ: typ, text: text}
	return t
}

func isSpaceTabCRLF(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scan tokenizes str left to right (tok822_scan_limit without limit).
func (a *tokArena) scan(str string) (head, tail *tok822) {
	for i := 0; i < len(str); {
		c := str[i]
		i++
		var t *tok822
		switch {
		case isSpaceTabCRLF(c):
			continue
		case c == '(':
			var text string
			text, i = scanComment(str, i)
			t = a.alloc(tokComment, text)
		case c == '[':
			var text string
			text, i = a.collect(str, i, func(c byte) bool { return c != ']' }, true)
			t = a.alloc(tokDomLit, text)
		case c == '"':
			var text string
			text, i = a.collect(str, i, func(c byte) bool { return c != '"' }, true)
			t = a.alloc(tokQString, text)
		case c != '\\' && strings.IndexByte(opChars, c) >= 0:
			t = a.alloc(int(c), "")
		default:
			var text string
			text, i = a.collect(str, i-1, isAtomChar, false)
			t = a.alloc(tokAtom, text)
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
// byte and white space becoming a plain space (the COLLECT macro). With
// skipLast the terminating byte is consumed too.
func (a *tokArena) collect(s string, i int, cond func(byte) bool, skipLast bool) (string, int) {
	a.sb.Reset()
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
		a.sb.WriteByte(c)
		i++
	}
	if skipLast && i < len(s) {
		i++
	}
	return a.sb.String(), i
}

// scanComment keeps a comment in external form, nesting parentheses
// (tok822_comment).
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

// needsQuote reports whether an atom holds a space, a control character
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
