package smtpd

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// hostnameGripe is valid_hostname() with DO_GRIPE: "" for a valid name,
// else the warning Postfix logs after "valid_hostname: ". wildcard
// allows "*" as the first label (DO_WILDCARD).
func hostnameGripe(name string, wildcard bool) string {
	if name == "" {
		return "empty hostname"
	}
	labelLen, labels, nonNumeric := 0, 0, false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isAlnum(c) || c == '_':
			if labelLen == 0 {
				labels++
			}
			if labelLen++; labelLen > validLabelLen {
				return fmt.Sprintf("hostname label too long: %.100s", name)
			}
			if c < '0' || c > '9' {
				nonNumeric = true
			}
		case wildcard && c == '*':
			if labelLen > 0 || labels > 0 || i+1 < len(name) && name[i+1] != '.' {
				return fmt.Sprintf("'*' can be the first label only: %.100s", name)
			}
			labels, labelLen, nonNumeric = labels+1, labelLen+1, true
		case c == '.':
			if labelLen == 0 || i+1 == len(name) {
				return fmt.Sprintf("misplaced delimiter: %.100s", name)
			}
			labelLen = 0
		case c == '-':
			nonNumeric = true
			if labelLen++; labelLen == 1 || i+1 == len(name) || name[i+1] == '.' {
				return fmt.Sprintf("misplaced hyphen: %.100s", name)
			}
		default:
			return fmt.Sprintf("invalid character %d(decimal): %.100s", c, name)
		}
	}
	if !nonNumeric {
		return fmt.Sprintf("numeric hostname: %.100s", name)
	}
	if len(name) > validHostnameLen {
		return fmt.Sprintf("bad length %d for %.100s...", len(name), name)
	}
	return ""
}

// validHostnameWild is valid_hostname(name, DO_WILDCARD).
func validHostnameWild(name string) bool { return hostnameGripe(name, true) == "" }

// validUTF8Hostname is valid_utf8_hostname(): with SMTPUTF8 a name with
// non-ASCII labels passes when it is valid UTF-8 and valid once those
// labels are set aside.
// XXX: Postfix converts such names to ASCII (IDNA 2008) and checks the
// result; Go's standard library has no IDNA, so Postern checks the
// ASCII labels only.
func validUTF8Hostname(smtputf8 bool, name string) bool {
	if !smtputf8 || isASCII(name) {
		return validHostname(name)
	}
	if !utf8.ValidString(name) || name == "" || len(name) > validHostnameLen {
		return false
	}
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if l == "" {
			return false
		}
		if !isASCII(l) {
			labels[i] = "x"
		}
	}
	return validHostname(strings.Join(labels, "."))
}

// truncateDot drops one trailing dot, not two (dup_if_truncate()).
func truncateDot(name string) string {
	if n := len(name); n > 1 && name[n-1] == '.' && name[n-2] != '.' {
		return name[:n-1]
	}
	return name
}
