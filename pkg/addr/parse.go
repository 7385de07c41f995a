package addr

import "strings"

// Parser parses address lists. Its zero value is ready; it keeps its
// node storage between calls, so the tree of one Parse is valid only
// until the next Parse on the same Parser. A Parser is not safe for
// concurrent use.
type Parser struct {
	nodes []Node
	n     int
}

// alloc hands out a node from the current block.
func (p *Parser) alloc(typ int, text string) *Node {
	if p.n == len(p.nodes) {
		// A fresh block: earlier nodes stay valid.
		p.nodes = make([]Node, max(16, 2*len(p.nodes)))
		p.n = 0
	}
	t := &p.nodes[p.n]
	p.n++
	*t = Node{Type: typ, Text: text}
	return t
}

// scan tokenizes s into a linked list.
func (p *Parser) scan(s string) (head, tail *Node) {
	for i := 0; i < len(s); {
		var t Token
		var ok bool
		if t, i, ok = nextToken(s, i); !ok {
			continue
		}
		n := p.alloc(t.Type, t.Text)
		if head == nil {
			head, tail = n, n
		} else {
			tail = appendNode(tail, n)
		}
	}
	return head, tail
}

// group clusters the tokens strictly between left and right under a new
// node of type typ, inserting the token sync (0: none) after left to
// resynchronize; it returns left (tok822_group).
func (p *Parser) group(typ int, left, right *Node, sync int) *Node {
	if left == right || left.Next == right {
		return left
	}
	first := left.Next
	cutBefore(right)
	cutBefore(first)
	g := p.alloc(typ, "")
	subAppend(g, first)
	appendNode(left, g)
	appendNode(g, right)
	if sync != 0 {
		appendNode(left, p.alloc(sync, ""))
	}
	return left
}

// Parser states (tok822_parse.c).
const (
	doWord  = 1 << 0 // finding a word is ok here
	doGroup = 1 << 1 // doing an address group
)

// Parse tokenizes s and groups the tokens into Address nodes, right to
// left, adding commas where an address ends without one (tok822_parse);
// it returns the first top-level node, nil for empty input.
func (p *Parser) Parse(s string) *Node {
	p.n = 0
	first, last := p.scan(s)
	if first == nil {
		return nil
	}
	head, tail := p.alloc(0, ""), p.alloc(0, "")
	head.Next, first.Prev = first, head
	last.Next, tail.Prev = tail, last
	state := doWord
	right := tail
	tp := tail.Prev
	for tp.Type != 0 {
		tp, right, state = p.step(tp, right, state)
	}
	p.group(Address, tp, right, 0)
	var res *Node
	if head.Next != tail {
		res = head.Next
	}
	cutBefore(head.Next)
	cutBefore(tail)
	return res
}

// step handles token tp and returns the next token to look at.
func (p *Parser) step(tp, right *Node, state int) (*Node, *Node, int) {
	switch {
	case tp.Type == Comment: // move the comment to the side
		prev := unlink(tp)
		right = prependNode(right, tp)
		return prev, right, state
	case tp.Type == ';': // right-hand side of a named group
		right = p.group(Address, tp, right, ',')
		state = doGroup | doWord
	case tp.Type == ':' && state&doGroup != 0:
		tp.Type = StartGroup
		p.group(Address, tp, right, 0)
		for tp.Type != 0 && tp.Type != ',' {
			tp = tp.Prev
		}
		return tp, tp, state
	case tp.Type == '>': // right-hand side of <route>
		return p.route(tp, right, state)
	case tp.Type == Atom || tp.Type == QuotedString || tp.Type == DomainLiteral:
		if state&doWord == 0 {
			right = p.group(Address, tp, right, ',').Next
		}
		state &^= doWord
	case tp.Type == ',':
		right = p.group(Address, tp, right, 0)
		state |= doWord
	default:
		state |= doWord
	}
	return tp.Prev, right, state
}

// route groups "phrase <route>" from its right-hand '>'.
func (p *Parser) route(tp, right *Node, state int) (*Node, *Node, int) {
	right = p.group(Address, tp, right, ',')
	for tp.Type != 0 && tp.Type != '<' {
		if tp.Type == Comment {
			prev := unlink(tp)
			right = prependNode(right, tp)
			tp = prev
			continue
		}
		tp = tp.Prev
	}
	p.group(Address, tp, right, 0)
	for tp.Type != 0 && (tp.Type > 0xff || strings.IndexByte(">;,:", byte(tp.Type)) < 0) {
		tp = tp.Prev
	}
	return tp, tp, state | doWord
}

// Parse is Parser.Parse with a Parser of its own.
func Parse(s string) *Node {
	var p Parser
	return p.Parse(s)
}

// ParseList returns the internal form of every address in s, as
// tok822_parse(), tok822_grep(TOK822_ADDR) and tok822_internalize() do
// for a sendmail argument, an address header or an alias value.
func ParseList(s string) []string {
	var out []string
	for _, a := range Grep(Parse(s), Address) {
		out = append(out, Internalize(a.Head))
	}
	return out
}
