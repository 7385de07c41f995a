package resolve

import (
	"strings"
)

// Quote822Local quotes the local part of an internal-form address when it
// is not an RFC 822 dot-string (global/quote_822_local.c): a source route
// "@a,@b:" is kept, the local part runs to the last "@". 8-bit bytes are
// left alone (QUOTE_FLAG_8BITCLEAN).
func Quote822Local(addr string) string {
	start := 0
	if strings.HasPrefix(addr, "@") {
		if colon := strings.IndexByte(addr, ':'); colon >= 0 {
			start = colon + 1
		}
	}
	end := len(addr)
	if at := strings.LastIndexByte(addr[start:], '@'); at >= 0 {
		end = start + at
	}
	local := addr[start:end]
	if isDotString(local) {
		return addr
	}
	var b strings.Builder
	b.WriteString(addr[:start])
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c == '"' || c == '\\' || c == '\r' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	b.WriteString(addr[end:])
	return b.String()
}

// isDotString reports whether s is a sequence of atoms separated by dots
// (is_822_dot_string with 8-bit data allowed).
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c < 32 || c == 127 || strings.IndexByte("()<>@,;:\\\"[]", c) >= 0 {
			return false
		}
	}
	return true
}
