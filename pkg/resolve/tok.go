package resolve

import (
	"strings"
)

// A small RFC 822 address tokenizer, as much of Postfix's tok822 as the
// rewriting and resolving rules need (global/tok822_parse.c): atoms,
// quoted strings, domain literals, comments and the operator characters
// "|%!" plus the RFC 822 specials.

const (
	tAtom    = 'a'
	tQString = 'q'
	tDomLit  = 'd'
	tComment = 'c'
)

// opchars are the characters that form operator tokens (tok822_opchar).
const opchars = "|%!()<>@,;:\\\".[]"

type tok struct {
	typ byte // tAtom, tQString, tDomLit, tComment, or the operator itself
	s   string
}

type toks []tok

func isSpaceTabCRLF(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scan tokenizes s (tok822_scan).
func scan(s string) toks {
	var out toks
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpaceTabCRLF(c):
			i++
		case c == '(':
			var t string
			t, i = comment(s, i)
			out = append(out, tok{tComment, t})
		case c == '[':
			t, n := collect(s[i+1:], func(c byte) bool { return c != ']' }, true)
			out = append(out, tok{tDomLit, t})
			i += 1 + n
		case c == '"':
			t, n := collect(s[i+1:], func(c byte) bool { return c != '"' }, true)
			out = append(out, tok{tQString, t})
			i += 1 + n
		case c != '\\' && strings.IndexByte(opchars, c) >= 0:
			out = append(out, tok{c, ""})
			i++
		default:
			t, n := collect(s[i:], func(c byte) bool {
				return !isSpaceTabCRLF(c) && strings.IndexByte(opchars, c) < 0
			}, false)
			out = append(out, tok{quoteAtom(t), t})
			i += n
		}
	}
	return out
}

// collect gathers characters while cond holds, honoring backslash escapes
// and turning white space into blanks (COLLECT); skipLast consumes the
// closing character too. It returns the text and the bytes consumed.
func collect(s string, cond func(byte) bool, skipLast bool) (string, int) {
	var b strings.Builder
	i := 0
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
		b.WriteByte(c)
		i++
	}
	if skipLast && i < len(s) {
		i++
	}
	return b.String(), i
}

// comment collects a (possibly nested) comment starting at s[i] == '('.
func comment(s string, i int) (string, int) {
	depth := 0
	start := i
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[start : i+1], i + 1
			}
		}
	}
	return s[start:], len(s)
}

// quoteAtom turns an atom with a space, control or operator character
// into a quoted string (tok822_quote_atom).
func quoteAtom(s string) byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c < 32 || c == 127 || strings.IndexByte(opchars, c) >= 0 {
			return tQString
		}
	}
	return tAtom
}

func (t tok) word() bool {
	return t.typ == tAtom || t.typ == tQString || t.typ == tComment || t.typ == tDomLit
}

// internal renders tokens in internal (unquoted) form (tok822_internalize).
func (ts toks) internal() string {
	var b strings.Builder
	for i, t := range ts {
		switch t.typ {
		case tAtom, tQString, tComment:
			b.WriteString(t.s)
		case tDomLit:
			b.WriteString("[" + t.s + "]")
		default:
			b.WriteByte(t.typ)
		}
		if i+1 < len(ts) && (t.typ == ',' || (t.word() && ts[i+1].word())) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// last returns the index of the last token of type typ, or -1.
func (ts toks) last(typ byte) int {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].typ == typ {
			return i
		}
	}
	return -1
}

// first returns the index of the first token of type typ at or after
// from, or -1.
func (ts toks) first(typ byte, from int) int {
	for i := from; i < len(ts); i++ {
		if ts[i].typ == typ {
			return i
		}
	}
	return -1
}

// clone returns a copy that can be modified independently.
func (ts toks) clone() toks { return append(toks(nil), ts...) }
