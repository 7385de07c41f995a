package submit

import "strings"

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

// quoteLocal externalizes a local part (quote_822_local()): it is
// quoted when it is not a dot-atom of RFC 5322 atext.
func quoteLocal(local string) string {
	if local == "" || isDotAtom(local) {
		return local
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(local) + `"`
}

func isDotAtom(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f && c < 0x80 || strings.IndexByte(`()<>@,;:\".[]`, c) >= 0 && c != '.' {
			return false
		}
	}
	return true
}

// quoteAddr externalizes an address: its local part is quoted when
// needed (quote_822_local() of a whole address).
func quoteAddr(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return quoteLocal(addr)
	}
	return quoteLocal(addr[:at]) + addr[at:]
}
