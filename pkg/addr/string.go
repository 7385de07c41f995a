package addr

import "strings"

// Internalize returns the internal (unquoted) form of the list that
// starts at tree (tok822_internalize); for an Address node a, the
// address is Internalize(a.Head).
func Internalize(tree *Node) string {
	var sb strings.Builder
	AppendInternalized(&sb, tree)
	return sb.String()
}

// AppendInternalized writes Internalize(tree) to sb.
func AppendInternalized(sb *strings.Builder, tree *Node) {
	for tp := tree; tp != nil; tp = tp.Next {
		if tp.Type == Address {
			AppendInternalized(sb, tp.Head)
		} else {
			writeToken(sb, tp.Type, tp.Text, false)
		}
		if nodeSpace(tp) {
			sb.WriteByte(' ')
		}
	}
}

// Externalize returns the external (quoted) form of the list that
// starts at tree (tok822_externalize): each Address node with its local
// part quoted as needed (QuoteLocal of its internal form), quoted
// strings and domain literals quoted again, a blank after each comma.
//
// XXX: without TOK822_STR_TRNC, the 250-byte guard on non-address text
// that Postfix applies only to rewritten headers, and TOK822_STR_LINE.
func Externalize(tree *Node) string {
	var sb strings.Builder
	for tp := tree; tp != nil; tp = tp.Next {
		switch tp.Type {
		case ',':
			sb.WriteString(", ")
			continue
		case Address:
			sb.WriteString(QuoteLocal(Internalize(tp.Head)))
		default:
			writeToken(&sb, tp.Type, tp.Text, true)
		}
		if nodeSpace(tp) {
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

// nodeSpace is tok822_append_space(): tokens inside an address are
// written without blanks.
func nodeSpace(tp *Node) bool {
	return tp.Next != nil && tp.Owner == nil && appendSpace(tp.Type, tp.Next.Type)
}
