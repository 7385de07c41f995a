package addr

import "strings"

// QuoteFlags are the options of quote_822_local_flags()
// (global/quote_flags.h).
type QuoteFlags int

const (
	// Quote8BitClean leaves 8-bit bytes alone (QUOTE_FLAG_8BITCLEAN, the
	// default); without it they make the local part a quoted string and
	// are escaped with a backslash.
	Quote8BitClean QuoteFlags = 1 << 0
	// QuoteExposeAt takes '@' as ordinary text (QUOTE_FLAG_EXPOSE_AT).
	QuoteExposeAt QuoteFlags = 1 << 1
	// QuoteBareLocalpart takes the whole input as a local part, with no
	// @domain (QUOTE_FLAG_BARE_LOCALPART).
	QuoteBareLocalpart QuoteFlags = 1 << 3

	QuoteDefault = Quote8BitClean
)

// QuoteLocal is quote_822_local(): the external form of an internal
// address, its local part quoted when it is not an RFC 822 dot-string.
// A source route "@a,@b:" is kept as it is; the local part ends at the
// last '@'.
func QuoteLocal(addr string) string { return QuoteLocalFlags(addr, QuoteDefault) }

// QuoteLocalFlags is quote_822_local_flags().
func QuoteLocalFlags(addr string, flags QuoteFlags) string {
	start := 0
	if strings.HasPrefix(addr, "@") {
		if colon := strings.IndexByte(addr, ':'); colon >= 0 {
			start = colon + 1
		}
	}
	end := len(addr)
	if flags&QuoteBareLocalpart == 0 {
		if at := strings.LastIndexByte(addr[start:], '@'); at >= 0 {
			end = start + at
		}
	}
	local := addr[start:end]
	if isDotString(local, flags) {
		return addr
	}
	var b strings.Builder
	b.Grow(len(addr) + 2)
	b.WriteString(addr[:start])
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c > 127 && flags&Quote8BitClean == 0 || c == '"' || c == '\\' || c == '\r' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	b.WriteString(addr[end:])
	return b.String()
}

// isDotString is is_822_dot_string(): atoms separated by single dots.
func isDotString(s string, flags QuoteFlags) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && i+1 < len(s) && s[i+1] == '.':
			return false
		case c > 127:
			if flags&Quote8BitClean == 0 {
				return false
			}
		case c == ' ' || c < 0x20 || c == 0x7f:
			return false
		case c == '@':
			if flags&QuoteExposeAt == 0 {
				return false
			}
		case strings.IndexByte("()<>,;:\\\"[]", c) >= 0:
			return false
		}
	}
	return true
}

// UnquoteLocal is unquote_822_local(): the internal form of an external
// address, with the quotes and backslashes of its local part removed; a
// source route prefix and the text after the last unquoted '@' stay as
// they are.
func UnquoteLocal(addr string) string {
	start := 0
	if strings.HasPrefix(addr, "@") {
		if colon := strings.IndexByte(addr, ':'); colon >= 0 {
			start = colon + 1
		}
	}
	var b strings.Builder
	b.Grow(len(addr))
	b.WriteString(addr[:start])
	inQuote, atDst, atSrc := false, -1, -1
	for i := start; i < len(addr); i++ {
		c := addr[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			continue
		case c == '@' && !inQuote:
			atDst, atSrc = b.Len(), i
		case c == '\\' && i+1 < len(addr):
			i++
			c = addr[i]
		case c == '\\':
			continue
		}
		b.WriteByte(c)
	}
	if atDst < 0 {
		return b.String()
	}
	return b.String()[:atDst] + addr[atSrc:]
}
