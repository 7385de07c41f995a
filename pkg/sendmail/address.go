package sendmail

import (
	"strings"

	"github.com/postern/postern/pkg/submit"
)

// parseAddrs returns the internal form of each address in s, as
// tok822_parse(), tok822_grep(TOK822_ADDR) and tok822_internalize() do
// for a sendmail argument or an address header.
func parseAddrs(s string) []string {
	var a tokArena
	var out []string
	for tp := a.parse822(s); tp != nil; tp = tp.next {
		if tp.typ != tokAddr {
			continue
		}
		var sb strings.Builder
		internalize(&sb, tp.head)
		out = append(out, sb.String())
	}
	return out
}

// quoteAddr externalizes an address: its local part is quoted when
// needed (quote_822_local() of a whole address).
func quoteAddr(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return submit.QuoteLocal(addr)
	}
	return submit.QuoteLocal(addr[:at]) + addr[at:]
}
