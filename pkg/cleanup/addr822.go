package cleanup

import "strings"

// A small RFC 822/5322 address-list scanner (Postfix's tok822_parse()
// and tok822_grep(TOK822_ADDR) reduced to what cleanup needs): it finds
// each address in a header value or a table result and reports where it
// is, so that a rewritten address can replace the original text and
// everything else (display names, comments, folding) stays as it was.

// addrSpan is one address found in a string: s[Start:End] is its text
// (without angle brackets), Addr its internal (unquoted) form.
type addrSpan struct {
	Start, End int
	Addr       string
}

// scanAddrs returns the addresses of an address list. Group names
// ("undisclosed-recipients:;") and empty elements yield nothing.
func scanAddrs(s string) []addrSpan {
	var out []addrSpan
	for _, el := range splitList(s) {
		if sp, ok := elementAddr(s, el[0], el[1]); ok {
			out = append(out, sp)
		}
	}
	return out
}

// splitList returns [start,end) ranges of the top-level elements of an
// address list: separated by ',' and ';' outside quotes, comments,
// domain literals and angle brackets; a group's "name:" is cut off.
func splitList(s string) [][2]int {
	var out [][2]int
	start, angle := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '(' || c == '[':
			i = skipToken(s, i) - 1
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle == 0 && (c == ',' || c == ';'):
			out = append(out, [2]int{start, i})
			start = i + 1
		case angle == 0 && c == ':':
			start = i + 1 // group display name
		}
	}
	return append(out, [2]int{start, len(s)})
}

// skipToken returns the index after the quoted string, comment or domain
// literal starting at s[i] (or len(s) when it is not closed).
func skipToken(s string, i int) int {
	open := s[i]
	closer := map[byte]byte{'"': '"', '(': ')', '[': ']'}[open]
	depth := 0
	for j := i; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '\\':
			j++
		case j > i && c == closer && (open != '(' || depth == 1):
			return j + 1
		case open == '(' && c == '(':
			depth++
		case open == '(' && c == ')':
			depth--
		}
	}
	return len(s)
}

// elementAddr finds the address of one list element: the text inside
// <...> when there is any, else the element without comments.
func elementAddr(s string, start, end int) (addrSpan, bool) {
	lt, gt := -1, -1
	for i := start; i < end; i++ {
		switch s[i] {
		case '"', '(', '[':
			i = skipToken(s, i) - 1
		case '<':
			if lt < 0 {
				lt = i
			}
		case '>':
			if lt >= 0 && gt < 0 {
				gt = i
			}
		}
	}
	if lt >= 0 && gt > lt {
		a, b := trimSpan(s, lt+1, gt)
		// A source route (<@a,@b:u@d>) is kept as written.
		return addrSpan{Start: a, End: b, Addr: internalize(s[a:b])}, true
	}
	a, b := trimSpan(s, start, end)
	if a >= b {
		return addrSpan{}, false
	}
	text := stripComments(s[a:b])
	if text == "" {
		return addrSpan{}, false
	}
	// Keep the span on the address itself when a comment follows it.
	if k := strings.Index(s[a:b], text); k >= 0 {
		return addrSpan{Start: a + k, End: a + k + len(text), Addr: internalize(text)}, true
	}
	return addrSpan{Start: a, End: b, Addr: internalize(text)}, true
}

func trimSpan(s string, a, b int) (int, int) {
	for a < b && isLWSP(s[a]) {
		a++
	}
	for b > a && isLWSP(s[b-1]) {
		b--
	}
	return a, b
}

func isLWSP(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// stripComments removes (comments) and folds white space around them.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			i = skipToken(s, i) - 1
		case '"', '[':
			j := skipToken(s, i)
			b.WriteString(s[i:j])
			i = j - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return strings.TrimSpace(b.String())
}

// internalize converts an external-form address to Postfix's internal
// form: quotes removed, backslash escapes resolved, white space outside
// quotes dropped (tok822_internalize with unquote_822_local).
func internalize(s string) string {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
		case !inQuote && isLWSP(c):
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// externalize quotes the local part of an internal-form address when it
// is not a dot-atom (quote_822_local()).
func externalize(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	local, domain := addr, ""
	if at >= 0 {
		local, domain = addr[:at], addr[at:]
	}
	if local == "" || isDotAtom(local) {
		return addr
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		if c := local[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	return b.String() + domain
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 127 || strings.IndexByte("()<>@,;:\\\"[]", c) >= 0 {
			return false
		}
	}
	return true
}
