package deliver

import (
	"strings"
)

// DSN is the delivery status of one recipient (global/dsn.h): the RFC 3463
// enhanced status, the RFC 3464 action, a human-readable reason, and
// optionally the remote diagnostic and the remote MTA.
type DSN struct {
	Status   string // X.Y.Z
	Action   string // "" = the default for the outcome
	Reason   string // free text, as logged in status=WORD (reason)
	DiagType string // "smtp" when DiagText is a remote reply
	DiagText string // the remote reply, "550 5.1.1 ..."
	MTAType  string // "dns" when MTAName is a host name
	MTAName  string // the remote host
}

// Simple returns a DSN with only status and reason (DSN_SIMPLE).
func Simple(status, reason string) DSN { return DSN{Status: status, Reason: reason} }

// ValidStatus returns the length of the RFC 3463 status code at the start
// of text (X.Y.Z with X in 2, 4, 5, Y up to 3 digits, Z up to 3 digits,
// followed by the end or white space), or 0 (global/dsn_util.c dsn_valid).
func ValidStatus(text string) int {
	if len(text) < 2 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.' {
		return 0
	}
	i := 2
	n := digits(text[i:])
	if n < 1 || n > 3 || i+n >= len(text) || text[i+n] != '.' {
		return 0
	}
	i += n + 1
	n = digits(text[i:])
	if n < 1 || n > 3 {
		return 0
	}
	i += n
	if i < len(text) && !isSpace(text[i]) {
		return 0
	}
	return i
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// SplitStatus splits an optional leading status code off text, using def
// when there is none (dsn_split): "5.1.1 User unknown" gives "5.1.1",
// "User unknown".
func SplitStatus(def, text string) (status, rest string) {
	t := strings.TrimLeft(text, " \t\r\n\v\f")
	if n := ValidStatus(t); n > 0 {
		status, t = t[:n], t[n:]
	} else {
		status = def
	}
	return status, strings.TrimLeft(t, " \t\r\n\v\f")
}
