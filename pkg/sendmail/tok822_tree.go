package sendmail

import "strings"

// Token list surgery (global/tok822_tree.c) and the right-to-left parser
// that groups tokens into address nodes (tok822_parse_limit).

// appendTok inserts the list t2 after t1 and returns the end of the
// inserted list.
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

// prependTok inserts the list t2 before t1.
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

func subAppend(t1, t2 *tok822) *tok822 {
	if t1.head != nil {
		t1.tail = appendTok(t1.tail, t2)
		return t1.tail
	}
	t1.head = t2
	t2.owner = t1
	for t2.next != nil {
		t2 = t2.next
		t2.owner = t1
	}
	t1.tail = t2
	return t2
}

// group clusters the tokens strictly between left and right under a new
// node of type typ, optionally inserting a resynchronizing comma after
// left; it returns left (tok822_group).
func (a *tokArena) group(typ int, left, right *tok822, sync int) *tok822 {
	if left == right || left.next == right {
		return left
	}
	first := left.next
	cutBefore(right)
	cutBefore(first)
	g := a.alloc(typ, "")
	subAppend(g, first)
	appendTok(left, g)
	appendTok(g, right)
	if sync != 0 {
		appendTok(left, a.alloc(sync, ""))
	}
	return left
}

const (
	doWord  = 1 << 0
	doGroup = 1 << 1
)

// parse822 tokenizes str and groups the tokens into address nodes, right
// to left, adding commas where an address ends without one; it returns
// the first top-level token (nil for empty input).
func (a *tokArena) parse822(str string) *tok822 {
	first, last := a.scan(str)
	if first == nil {
		return nil
	}
	head, tail := a.alloc(0, ""), a.alloc(0, "")
	head.next, first.prev = first, head
	last.next, tail.prev = tail, last
	state := doWord
	right := tail
	tp := tail.prev
	for tp.typ != 0 {
		tp, right, state = a.parseStep(tp, right, state)
	}
	a.group(tokAddr, tp, right, 0)
	var res *tok822
	if head.next != tail {
		res = head.next
	}
	cutBefore(head.next)
	cutBefore(tail)
	return res
}

// parseStep handles the token tp and returns the next token to look at.
func (a *tokArena) parseStep(tp, right *tok822, state int) (*tok822, *tok822, int) {
	switch {
	case tp.typ == tokComment: // move comment to the side
		prev := unlinkTok(tp)
		right = prependTok(right, tp)
		return prev, right, state
	case tp.typ == ';': // right-hand side of a named group
		right = a.group(tokAddr, tp, right, ',')
		state = doGroup | doWord
	case tp.typ == ':' && state&doGroup != 0:
		tp.typ = tokStartGrp
		a.group(tokAddr, tp, right, 0)
		for tp.typ != 0 && tp.typ != ',' {
			tp = tp.prev
		}
		return tp, tp, state
	case tp.typ == '>': // right-hand side of <route>
		right = a.group(tokAddr, tp, right, ',')
		for tp.typ != 0 && tp.typ != '<' {
			if tp.typ == tokComment {
				prev := unlinkTok(tp)
				right = prependTok(right, tp)
				tp = prev
				continue
			}
			tp = tp.prev
		}
		a.group(tokAddr, tp, right, 0)
		for tp.typ != 0 && (tp.typ > 0xff || strings.IndexByte(">;,:", byte(tp.typ)) < 0) {
			tp = tp.prev
		}
		return tp, tp, state | doWord
	case tp.typ == tokAtom || tp.typ == tokQString || tp.typ == tokDomLit:
		if state&doWord == 0 {
			right = a.group(tokAddr, tp, right, ',').next
		}
		state &^= doWord
	case tp.typ == ',':
		right = a.group(tokAddr, tp, right, 0)
		state |= doWord
	default:
		state |= doWord
	}
	return tp.prev, right, state
}

// internalize appends the internal (unquoted) form of a token list to
// sb (tok822_internalize).
func internalize(sb *strings.Builder, tree *tok822) {
	for tp := tree; tp != nil; tp = tp.next {
		switch tp.typ {
		case tokAddr:
			internalize(sb, tp.head)
		case tokComment, tokAtom, tokQString:
			sb.WriteString(tp.text)
		case tokDomLit:
			sb.WriteByte('[')
			sb.WriteString(tp.text)
			sb.WriteByte(']')
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
