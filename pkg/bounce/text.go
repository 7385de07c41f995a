package bounce

import (
	"strings"
	"time"
)

// lineWrap splits text into lines of at most length columns where it can
// break at blanks; lines after the first are indented by indent
// (util/line_wrap.c). A word longer than a line is not broken.
func lineWrap(str string, length, indent int) []string {
	var out []string
	currIndent, currLen := 0, length
	if indent < 0 {
		currIndent, currLen = -indent, length+indent
	}
	emit := func(s string, ind int) {
		out = append(out, strings.Repeat(" ", ind)+strings.TrimRight(s, " \t\r\n\v\f"))
	}
	start := 0
	word := 0
	for word >= 0 {
		nextSpace := word + strings.IndexAny(str[word:], " \t")
		if nextSpace < word {
			nextSpace = len(str)
		}
		if word > start && nextSpace-start > currLen {
			emit(str[start:word], currIndent)
			for word < len(str) && isSpace(str[word]) {
				word++
			}
			if start == 0 {
				currIndent += indent
				currLen -= indent
			}
			start = word
		}
		if nextSpace < len(str) {
			word = nextSpace + 1
		} else {
			word = -1
		}
	}
	emit(str[start:], currIndent)
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// quoteLocal quotes the local part of an address when RFC 5322 requires
// it (quote_822_local); the domain is left alone.
func quoteLocal(addr string) string {
	local, domain, hasAt := addr, "", false
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		local, domain, hasAt = addr[:i], addr[i:], true
	}
	if local == "" || !needsQuote(local) {
		return addr
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		if local[i] == '"' || local[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	if hasAt {
		b.WriteString(domain)
	}
	return b.String()
}

// needsQuote: anything but dot-separated atoms of RFC 5322 atext (8-bit
// bytes are allowed, as with QUOTE_FLAG_8BITCLEAN).
func needsQuote(local string) bool {
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return true
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c >= 0x80 || c == '.' {
			continue
		}
		if c <= ' ' || c == 0x7f || strings.IndexByte("()<>@,;:\\\"[]", c) >= 0 {
			return true
		}
	}
	return false
}

// mailDate formats a time as RFC 5322 with the zone name in parentheses,
// as Postfix's mail_date(): "Thu, 21 Nov 2024 18:40:00 +0000 (UTC)", the
// day of the month padded with a space.
func mailDate(t time.Time) string {
	return t.Local().Format("Mon, _2 Jan 2006 15:04:05 -0700 (MST)")
}
