package addr

import "strings"

// Internal is the internal (unquoted) form of a flat list
// (tok822_internalize).
func (ts Tokens) Internal() string {
	var sb strings.Builder
	for i, t := range ts {
		writeToken(&sb, t.Type, t.Text, false)
		if i+1 < len(ts) && appendSpace(t.Type, ts[i+1].Type) {
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

// External is the external (quoted) form of a flat list
// (tok822_externalize): quoted strings and domain literals are quoted
// again, and a comma is followed by a blank.
func (ts Tokens) External() string {
	var sb strings.Builder
	for i, t := range ts {
		if t.Type == ',' {
			sb.WriteString(", ")
			continue
		}
		writeToken(&sb, t.Type, t.Text, true)
		if i+1 < len(ts) && appendSpace(t.Type, ts[i+1].Type) {
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

// Last returns the index of the last token of type typ, or -1.
func (ts Tokens) Last(typ int) int {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Type == typ {
			return i
		}
	}
	return -1
}

// First returns the index of the first token of type typ at or after
// from, or -1.
func (ts Tokens) First(typ, from int) int {
	for i := max(from, 0); i < len(ts); i++ {
		if ts[i].Type == typ {
			return i
		}
	}
	return -1
}

// Clone returns a copy that can be changed independently.
func (ts Tokens) Clone() Tokens { return append(Tokens(nil), ts...) }

// writeToken writes one token of the types a flat list or a tree holds,
// in internal or external form (Address nodes are written by the tree
// walkers).
func writeToken(sb *strings.Builder, typ int, text string, external bool) {
	switch typ {
	case Atom, Comment:
		sb.WriteString(text)
	case QuotedString:
		if !external {
			sb.WriteString(text)
			return
		}
		sb.WriteByte('"')
		copyQuoted(sb, text, "\"\\\r\n")
		sb.WriteByte('"')
	case DomainLiteral:
		sb.WriteByte('[')
		if external {
			copyQuoted(sb, text, "\\\r\n")
		} else {
			sb.WriteString(text)
		}
		sb.WriteByte(']')
	case StartGroup:
		sb.WriteByte(':')
	default:
		sb.WriteByte(byte(typ))
	}
}

// copyQuoted writes s with a backslash before each byte of special
// (tok822_copy_quoted).
func copyQuoted(sb *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			sb.WriteByte('\\')
		}
		sb.WriteByte(s[i])
	}
}

// appendSpace is tok822_append_space() for a token of type typ followed
// by one of type next, at the top level of a list.
func appendSpace(typ, next int) bool {
	if typ == ',' || typ == StartGroup || next == '<' {
		return true
	}
	return nonOperator(typ) && nonOperator(next)
}

func nonOperator(typ int) bool {
	switch typ {
	case Atom, QuotedString, Comment, DomainLiteral, Address:
		return true
	}
	return false
}
