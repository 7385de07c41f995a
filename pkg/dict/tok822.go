package dict

import "strings"

// A minimal RFC 822 tokenizer (global/tok822_parse.c tok822_scan(),
// tok822_internalize(), tok822_externalize()) for aliases(5) lines.

const (
	tokAtom = iota + 256
	tokQString
	tokComment
	tokDomLit
)

// tok822OpChars are the operator characters ("|%!" + RFC 822 specials).
const tok822OpChars = "|%!()<>@,;:\\\".[]"

type token struct {
	typ  int // an operator character or one of tok*
	text string
}

func isSpaceTabCRLF(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func tok822Scan(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		i++
		switch {
		case isSpaceTabCRLF(c):
			continue
		case c == '(':
			var t string
			t, i = tokComment822(s, i)
			toks = append(toks, token{tokComment, t})
		case c == '[' || c == '"':
			closeCh, typ := byte(']'), tokDomLit
			if c == '"' {
				closeCh, typ = '"', tokQString
			}
			var t string
			t, i = tokCollect(s, i, func(ch byte) bool { return ch != closeCh })
			if i < len(s) {
				i++
			}
			toks = append(toks, token{typ, t})
		case c != '\\' && strings.IndexByte(tok822OpChars, c) >= 0:
			toks = append(toks, token{typ: int(c)})
		default:
			var t string
			t, i = tokCollect(s, i-1, func(ch byte) bool {
				return !isSpaceTabCRLF(ch) && strings.IndexByte(tok822OpChars, ch) < 0
			})
			toks = append(toks, token{quoteAtom(t), t})
		}
	}
	return toks
}

// tokCollect is the COLLECT() macro: backslash quotes the next byte.
func tokCollect(s string, i int, cond func(byte) bool) (string, int) {
	var b strings.Builder
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
	return b.String(), i
}

// tokComment822 collects a (possibly nested) comment in external form.
func tokComment822(s string, i int) (string, int) {
	var b strings.Builder
	b.WriteByte('(')
	level := 1
	for i < len(s) {
		c := s[i]
		b.WriteByte(c)
		i++
		if c == '(' {
			level++
		} else if c == ')' {
			if level--; level == 0 {
				break
			}
		} else if c == '\\' {
			if i >= len(s) {
				break
			}
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), i
}

// quoteAtom makes an atom with special characters a quoted string.
func quoteAtom(t string) int {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == ' ' || c < 32 || c == 127 || strings.IndexByte(tok822OpChars, c) >= 0 {
			return tokQString
		}
	}
	return tokAtom
}

func nonOperator(t token) bool { return t.typ >= tokAtom }

// appendSpace is tok822_append_space().
func appendSpace(toks []token, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	if toks[i].typ == ',' || toks[i+1].typ == '<' {
		return true
	}
	return nonOperator(toks[i]) && nonOperator(toks[i+1])
}

// tok822String converts tokens back to text; external quotes quoted
// strings, internal does not (tok822_externalize/_internalize).
func tok822String(toks []token, external bool) string {
	var b strings.Builder
	for i, t := range toks {
		switch t.typ {
		case ',':
			b.WriteByte(',')
			if external {
				b.WriteByte(' ')
				continue
			}
		case tokAtom, tokComment:
			b.WriteString(t.text)
		case tokQString:
			if external {
				b.WriteByte('"')
				copyQuoted(&b, t.text, "\"\\\r\n")
				b.WriteByte('"')
			} else {
				b.WriteString(t.text)
			}
		case tokDomLit:
			b.WriteByte('[')
			if external {
				copyQuoted(&b, t.text, "\\\r\n")
			} else {
				b.WriteString(t.text)
			}
			b.WriteByte(']')
		default:
			b.WriteByte(byte(t.typ))
		}
		if appendSpace(toks, i) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func copyQuoted(b *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}
