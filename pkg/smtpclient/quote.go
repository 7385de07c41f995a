package smtpclient

import (
	"fmt"
	"strings"
)

// quote821 quotes the local part of an envelope address for MAIL FROM
// and RCPT TO when it is not an RFC 5321 dot-string
// (smtp_quote_821_address with smtp_quote_rfc821_envelope = yes).
func quote821(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	local, domain := addr, ""
	if at >= 0 {
		local, domain = addr[:at], addr[at:]
	}
	if local == "" || isDotAtom(local) {
		return addr
	}
	return quoteString(local) + domain
}

// isDotAtom reports whether s is atoms separated by single dots; 8-bit
// bytes count as atom characters (SMTPUTF8).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || isAlnumByte(c) || c == '.' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quoteString makes an RFC 5321 quoted-string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// xtext encodes a DSN parameter value (RFC 3461 4; xtext_quote): bytes
// outside "!" .. "~", "+", and the bytes in special become +HH.
func xtext(s, special string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '+' && c > 32 && c < 127 && strings.IndexByte(special, c) < 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "+%02X", c)
		}
	}
	return b.String()
}
