package smtpd

import (
	"strings"
)

// access(5) actions: the right-hand side of an access table, parsed as
// check_table_result() does. Parsing is pure (and fuzzed); applying the
// action needs the session.

type actionKind int

const (
	actRestrictions actionKind = iota // restriction names, evaluated in turn
	actDunno
	actReject // REJECT [[X.Y.Z] text]
	actDefer  // DEFER [[X.Y.Z] text]
	actHangup
	actInfo
	actWarn
	actFilter
	actHold
	actDiscard
	actRedirect
	actBcc
	actDeferIfPermit
	actDeferIfReject
	actPrepend
	actOK      // OK, RELAY, or all digits
	actCode    // 4NN/5NN [X.Y.Z] text
	actTableIn // a "type:name" in the value: refused
)

// accessAction is a parsed access(5) value.
type accessAction struct {
	kind actionKind
	word string // the first word as written (for permit logging)
	text string // what follows the first word, leading white space removed
	code int    // actCode: the reply code
	dsn  string // actReject, actDefer, actCode, actDeferIf*: the status
	msg  string // ... and the text after it ("" = the default text)
}

// actionWords maps the upper-cased first word to its kind.
var actionWords = map[string]actionKind{
	"DUNNO": actDunno, "REJECT": actReject, "DEFER": actDefer, "HANGUP": actHangup,
	"INFO": actInfo, "WARN": actWarn, "FILTER": actFilter, "HOLD": actHold,
	"DISCARD": actDiscard, "REDIRECT": actRedirect, "BCC": actBcc,
	"DEFER_IF_PERMIT": actDeferIfPermit, "DEFER_IF_REJECT": actDeferIfReject,
	"PREPEND": actPrepend, "OK": actOK, "RELAY": actOK,
}

// isCSpace is C's isspace() in the C locale.
func isCSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// parseAccessAction parses an access(5) value.
func parseAccessAction(value string) accessAction {
	n := strings.IndexAny(value, " \t")
	if n < 0 {
		n = len(value)
	}
	a := accessAction{word: value[:n]}
	text := value[n:]
	for len(text) > 0 && isCSpace(text[0]) {
		text = text[1:]
	}
	a.text = text
	kind, named := actionWords[asciiUpper(a.word)]
	switch {
	case named && kind != actOK:
		a.kind = kind
	case allDigits(value):
		a.kind = actOK
	case len(a.word) == 3 && text != "" && (value[0] == '4' || value[0] == '5') &&
		isDigit(value[1]) && isDigit(value[2]):
		a.kind, a.code = actCode, int(value[0]-'0')*100+int(value[1]-'0')*10+int(value[2]-'0')
		a.dsn, a.msg = dsnSplit(value[:1]+".7.1", text)
	case named:
		a.kind = actOK
	case strings.Contains(value, ":"):
		a.kind = actTableIn
	default:
		a.kind = actRestrictions
	}
	switch a.kind {
	case actReject:
		a.dsn, a.msg = dsnSplit("5.7.1", text)
	case actDefer, actDeferIfPermit, actDeferIfReject:
		a.dsn, a.msg = dsnSplit("4.7.1", text)
	}
	return a
}

// asciiUpper upper-cases ASCII letters only, as strncasecmp() compares.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// allDigits is alldig(): true for "" too.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// dsnSplit is dsn_split(): an optional X.Y.Z status at the start of
// text, else def; and the text after it.
func dsnSplit(def, text string) (dsn, rest string) {
	for len(text) > 0 && isCSpace(text[0]) {
		text = text[1:]
	}
	dsn = def
	if n := dsnValid(text); n > 0 {
		dsn = text[:n]
		text = text[min(n+1, len(text)):]
	}
	for len(text) > 0 && isCSpace(text[0]) {
		text = text[1:]
	}
	return dsn, text
}

// dsnFix is smtpd_dsn_fix(): an address status (X.1.Y) is made to fit
// what is rejected; a non-address status is kept. It logs when the
// status changes.
func (s *session) dsnFix(status, class string) string {
	if len(status) < 5 || !isDigit(status[0]) || status[1:4] != ".1." {
		return status
	}
	micro := status[4:]
	var result string
	switch class {
	case nameSender:
		result = map[string]string{"1": "4.1.7", "2": "4.1.8", "3": "4.1.7", "4": "4.1.7",
			"5": "4.1.0", "6": "4.1.7", "7": "4.1.7", "8": "4.1.8"}[micro]
		if result == "" {
			result = "4.1.0"
		}
	case nameRecipient:
		result = map[string]string{"1": "4.1.1", "2": "4.1.2", "3": "4.1.3", "4": "4.1.4",
			"5": "4.1.5", "6": "4.1.6", "7": "4.1.3", "8": "4.1.2"}[micro]
		if result == "" {
			result = "4.1.0"
		}
	default:
		result = "4.0.0"
	}
	if status[2:] != result[2:] {
		s.srv.log.Info("mapping DSN status %s into %s status %c%s", status, class, status[0], result[1:])
	}
	return result
}
