package smtpd

import (
	"net/netip"
	"strings"
)

// Host name and address syntax (util/valid_hostname.c,
// global/valid_mailhost_addr.c).

const (
	validLabelLen    = 63
	validHostnameLen = 255
)

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// validHostname: letters, digits, '_' and inner '-' in labels of at most
// 63 bytes, no empty label, not all-numeric, at most 255 bytes.
func validHostname(name string) bool {
	if name == "" || len(name) > validHostnameLen {
		return false
	}
	labelLen, nonNumeric := 0, false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isAlnum(c) || c == '_':
			labelLen++
			if labelLen > validLabelLen {
				return false
			}
			if c < '0' || c > '9' {
				nonNumeric = true
			}
		case c == '.':
			if labelLen == 0 || i+1 == len(name) {
				return false
			}
			labelLen = 0
		case c == '-':
			nonNumeric = true
			labelLen++
			if labelLen == 1 || i+1 == len(name) || name[i+1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	return nonNumeric
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// validHostAddr accepts a bare IPv4 dotted quad or IPv6 address.
func validHostAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// validMailhostLiteral accepts "[1.2.3.4]" and "[IPv6:...]" (RFC 5321
// 4.1.3 address literals).
func validMailhostLiteral(s string) bool {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	inner := s[1 : len(s)-1]
	if len(inner) > 5 && strings.EqualFold(inner[:5], "IPv6:") {
		a, err := netip.ParseAddr(inner[5:])
		return err == nil && a.Is6() && a.Zone() == ""
	}
	a, err := netip.ParseAddr(inner)
	return err == nil && a.Is4()
}
