package addr

// Node is a token of a parse tree: the top-level list is linked through
// Prev and Next; an Address node holds its tokens as the list Head ..
// Tail, whose Owner it is (global/tok822.h TOK822).
type Node struct {
	Type              int    // as Token.Type, or Address, StartGroup
	Text              string // as Token.Text
	Prev, Next        *Node
	Head, Tail, Owner *Node
}

// Token list surgery (global/tok822_tree.c).

// appendNode inserts the list t2 after t1 and returns the end of the
// inserted list (tok822_append).
func appendNode(t1, t2 *Node) *Node {
	next := t1.Next
	t1.Next, t2.Prev = t2, t1
	t2.Owner = t1.Owner
	for t2.Next != nil {
		t2 = t2.Next
		t2.Owner = t1.Owner
	}
	t2.Next = next
	if next != nil {
		next.Prev = t2
	}
	return t2
}

// prependNode inserts the list t2 before t1 (tok822_prepend).
func prependNode(t1, t2 *Node) *Node {
	prev := t1.Prev
	if prev != nil {
		prev.Next = t2
	}
	t2.Prev = prev
	t2.Owner = t1.Owner
	for t2.Next != nil {
		t2 = t2.Next
		t2.Owner = t1.Owner
	}
	t2.Next, t1.Prev = t1, t2
	return t2
}

// cutBefore splits the list before tp and returns the end of the left
// part (tok822_cut_before).
func cutBefore(tp *Node) *Node {
	prev := tp.Prev
	if prev != nil {
		prev.Next, tp.Prev = nil, nil
	}
	return prev
}

// unlink takes tp out of its list and returns its predecessor
// (tok822_unlink).
func unlink(tp *Node) *Node {
	prev, next := tp.Prev, tp.Next
	if prev != nil {
		prev.Next = next
	}
	if next != nil {
		next.Prev = prev
	}
	tp.Prev, tp.Next = nil, nil
	return prev
}

// subAppend appends the list t2 to the children of t1
// (tok822_sub_append).
func subAppend(t1, t2 *Node) *Node {
	if t1.Head != nil {
		t1.Tail = appendNode(t1.Tail, t2)
		return t1.Tail
	}
	t1.Head = t2
	t2.Owner = t1
	for t2.Next != nil {
		t2 = t2.Next
		t2.Owner = t1
	}
	t1.Tail = t2
	return t2
}

// Grep returns the nodes of type typ in the top-level list that starts
// at tree (tok822_grep), e.g. the Address nodes of a parsed list.
func Grep(tree *Node, typ int) []*Node {
	var out []*Node
	for tp := tree; tp != nil; tp = tp.Next {
		if tp.Type == typ {
			out = append(out, tp)
		}
	}
	return out
}
