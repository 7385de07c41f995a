package local

import "strings"

// Token list surgery (global/tok822_tree.c), the right-to-left grouping
// of tok822_parse(), and conversion back to text.

func appendTok(t1, t2 *tok822) *tok822 {
	next := t1.next
	t1.next, t2.prev = t2, t1
	t2.owner = t1.owner
	for t2.next != nil {
		t2 = t2.next
		t2.owner = t1.owner
	}
	t2.next = next
	if next != nil {
		next.prev = t2
	}
	return t2
}

func prependTok(t1, t2 *tok822) *tok822 {
	prev := t1.prev
	if prev != nil {
		prev.next = t2
	}
	t2.prev = prev
	t2.owner = t1.owner
	for t2.next != nil {
		t2 = t2.next
		t2.owner = t1.owner
	}
	t2.next, t1.prev = t1, t2
	return t2
}

func cutBefore(tp *tok822) *tok822 {
	prev := tp.prev
	if prev != nil {
		prev.next, tp.prev = nil, nil
	}
	return prev
}

func unlinkTok(tp *tok822) *tok822 {
	prev, next := tp.prev, tp.next
	if prev != nil {
		prev.next = next
	}
	if next != nil {
		next.prev = prev
	}
	tp.prev, tp.next = nil, nil
	return prev
}

func subAppend(t1, t2 *tok822) {
	if t1.head != nil {
		t1.tail = appendTok(t1.tail, t2)
		return
	}
	t1.head = t2
	t2.owner = t1
	for t2.next != nil {
		t2 = t2.next
		t2.owner = t1
	}
	t1.tail = t2
}

// group clusters the tokens strictly between left and right under a new
// node of type typ, optionally inserting a resynchronizing token after
// left (tok822_group); it returns left.
func group(typ int, left, right *tok822, sync int) *tok822 {
	if left == right || left.next == right {
		return left
	}
	first := left.next
	cutBefore(right)
	cutBefore(first)
	g := newTok(typ, "")
	subAppend(g, first)
	appendTok(left, g)
	appendTok(g, right)
	if sync != 0 {
		appendTok(left, newTok(sync, ""))
	}
	return left
}

const (
	doWord  = 1 << 0
	doGroup = 1 << 1
)

// parse822 tokenizes s and groups the tokens into address nodes
// (tok822_parse); it returns the first top-level token.
func parse822(s string) *tok822 {
	first, last := scan822(s)
	if first == nil {
		return nil
	}
	head, tail := newTok(0, ""), newTok(0, "")
	head.next, first.prev = first, head
	last.next, tail.prev = tail, last
	state := doWord
	right := tail
	tp := tail.prev
	for tp.typ != 0 {
		tp, right, state = parseStep(tp, right, state)
	}
	group(tokAddr, tp, right, 0)
	var res *tok822
	if head.next != tail {
		res = head.next
	}
	cutBefore(head.next)
	cutBefore(tail)
	return res
}

func parseStep(tp, right *tok822, state int) (*tok822, *tok822, int) {
	switch {
	case tp.typ == tokComment:
		prev := unlinkTok(tp)
		right = prependTok(right, tp)
		return prev, right, state
	case tp.typ == ';':
		right = group(tokAddr, tp, right, ',')
		state = doGroup | doWord
	case tp.typ == ':' && state&doGroup != 0:
		tp.typ = tokStartGrp
		group(tokAddr, tp, right, 0)
		for tp.typ != 0 && tp.typ != ',' {
			tp = tp.prev
		}
		return tp, tp, state
	case tp.typ == '>':
		return parseRoute(tp, right, state)
	case tp.typ == tokAtom || tp.typ == tokQString || tp.typ == tokDomLit:
		if state&doWord == 0 {
			right = group(tokAddr, tp, right, ',').next
		}
		state &^= doWord
	case tp.typ == ',':
		right = group(tokAddr, tp, right, 0)
		state |= doWord
	default:
		state |= doWord
	}
	return tp.prev, right, state
}

// parseRoute handles "phrase <route>" from its right-hand ">".
func parseRoute(tp, right *tok822, state int) (*tok822, *tok822, int) {
	right = group(tokAddr, tp, right, ',')
	for tp.typ != 0 && tp.typ != '<' {
		if tp.typ == tokComment {
			prev := unlinkTok(tp)
			right = prependTok(right, tp)
			tp = prev
			continue
		}
		tp = tp.prev
	}
	group(tokAddr, tp, right, 0)
	for tp.typ != 0 && (tp.typ > 0xff || strings.IndexByte(">;,:", byte(tp.typ)) < 0) {
		tp = tp.prev
	}
	return tp, tp, state | doWord
}

// addrNodes returns the address nodes of a parsed list (tok822_grep).
func addrNodes(tree *tok822) []*tok822 {
	var out []*tok822
	for tp := tree; tp != nil; tp = tp.next {
		if tp.typ == tokAddr {
			out = append(out, tp)
		}
	}
	return out
}

// internalize returns the internal (unquoted) form of a token list
// (tok822_internalize).
func internalize(tree *tok822) string {
	var sb strings.Builder
	internalizeTo(&sb, tree)
	return sb.String()
}

func internalizeTo(sb *strings.Builder, tree *tok822) {
	for tp := tree; tp != nil; tp = tp.next {
		switch tp.typ {
		case tokAddr:
			internalizeTo(sb, tp.head)
		case tokComment, tokAtom, tokQString:
			sb.WriteString(tp.text)
		case tokDomLit:
			sb.WriteString("[" + tp.text + "]")
		case tokStartGrp:
			sb.WriteByte(':')
		default:
			sb.WriteByte(byte(tp.typ))
		}
		if appendSpace(tp) {
			sb.WriteByte(' ')
		}
	}
}

// externalize returns the external (quoted) form of a token list, as
// tok822_externalize() without the address length guard.
func externalize(tree *tok822) string {
	var sb strings.Builder
	for tp := tree; tp != nil; tp = tp.next {
		switch tp.typ {
		case ',':
			sb.WriteString(", ")
			continue
		case tokAddr:
			sb.WriteString(quoteLocal(internalize(tp.head)))
		case tokAtom, tokComment:
			sb.WriteString(tp.text)
		case tokQString:
			sb.WriteString(`"` + escapeSet(tp.text, "\"\\\r\n") + `"`)
		case tokDomLit:
			sb.WriteString("[" + escapeSet(tp.text, "\\\r\n") + "]")
		case tokStartGrp:
			sb.WriteByte(':')
		default:
			sb.WriteByte(byte(tp.typ))
		}
		if appendSpace(tp) {
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

func escapeSet(s, set string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) >= 0 {
			sb.WriteByte('\\')
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

func appendSpace(tp *tok822) bool {
	next := tp.next
	if next == nil || tp.owner != nil {
		return false
	}
	if tp.typ == ',' || tp.typ == tokStartGrp || next.typ == '<' {
		return true
	}
	return nonOperator(tp) && nonOperator(next)
}

func nonOperator(t *tok822) bool {
	switch t.typ {
	case tokAtom, tokQString, tokComment, tokDomLit, tokAddr:
		return true
	}
	return false
}

// unquoteAddr converts an external-form address to internal form (scan
// and internalize, as canon_addr_internal() reads rewrite results).
func unquoteAddr(ext string) string {
	head, _ := scan822(ext)
	return internalize(head)
}
