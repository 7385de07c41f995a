package smtpd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAccessAction(t *testing.T) {
	for _, c := range []struct {
		value string
		want  accessAction
	}{
		{"OK", accessAction{kind: actOK, word: "OK"}},
		{"ok trailing text", accessAction{kind: actOK, word: "ok", text: "trailing text"}},
		{"RELAY", accessAction{kind: actOK, word: "RELAY"}},
		{"1234567890", accessAction{kind: actOK, word: "1234567890"}},
		{"550", accessAction{kind: actOK, word: "550"}}, // all digits: OK, not a code
		{"REJECT", accessAction{kind: actReject, word: "REJECT", dsn: "5.7.1"}},
		{"reject  go away", accessAction{kind: actReject, word: "reject", text: "go away", dsn: "5.7.1", msg: "go away"}},
		{"REJECT 5.1.1 no", accessAction{kind: actReject, word: "REJECT", text: "5.1.1 no", dsn: "5.1.1", msg: "no"}},
		{"REJECT 5.1.1", accessAction{kind: actReject, word: "REJECT", text: "5.1.1", dsn: "5.1.1"}},
		{"REJECT 5.1.1234 x", accessAction{kind: actReject, word: "REJECT", text: "5.1.1234 x", dsn: "5.7.1", msg: "5.1.1234 x"}},
		{"DEFER", accessAction{kind: actDefer, word: "DEFER", dsn: "4.7.1"}},
		{"DEFER 4.2.0 busy", accessAction{kind: actDefer, word: "DEFER", text: "4.2.0 busy", dsn: "4.2.0", msg: "busy"}},
		{"550 5.1.1 no such user", accessAction{kind: actCode, word: "550", text: "5.1.1 no such user", code: 550, dsn: "5.1.1", msg: "no such user"}},
		{"421 closing", accessAction{kind: actCode, word: "421", text: "closing", code: 421, dsn: "4.7.1", msg: "closing"}},
		{"450 4.7.1", accessAction{kind: actCode, word: "450", text: "4.7.1", code: 450, dsn: "4.7.1"}},
		{"650 text", accessAction{kind: actRestrictions, word: "650", text: "text"}},
		{"55x text", accessAction{kind: actRestrictions, word: "55x", text: "text"}},
		{"5500 text", accessAction{kind: actRestrictions, word: "5500", text: "text"}},
		{"DUNNO", accessAction{kind: actDunno, word: "DUNNO"}},
		{"HOLD", accessAction{kind: actHold, word: "HOLD"}},
		{"HOLD\twith text", accessAction{kind: actHold, word: "HOLD", text: "with text"}},
		{"DISCARD", accessAction{kind: actDiscard, word: "DISCARD"}},
		{"FILTER smtp:[127.0.0.1]:10025", accessAction{kind: actFilter, word: "FILTER", text: "smtp:[127.0.0.1]:10025"}},
		{"REDIRECT a@b", accessAction{kind: actRedirect, word: "REDIRECT", text: "a@b"}},
		{"BCC a@b", accessAction{kind: actBcc, word: "BCC", text: "a@b"}},
		{"PREPEND X-Tag: 1", accessAction{kind: actPrepend, word: "PREPEND", text: "X-Tag: 1"}},
		{"WARN", accessAction{kind: actWarn, word: "WARN"}},
		{"INFO something", accessAction{kind: actInfo, word: "INFO", text: "something"}},
		{"HANGUP", accessAction{kind: actHangup, word: "HANGUP"}},
		{"DEFER_IF_PERMIT", accessAction{kind: actDeferIfPermit, word: "DEFER_IF_PERMIT", dsn: "4.7.1"}},
		{"defer_if_reject 4.7.0 later", accessAction{kind: actDeferIfReject, word: "defer_if_reject", text: "4.7.0 later", dsn: "4.7.0", msg: "later"}},
		{"permit_mynetworks, reject", accessAction{kind: actRestrictions, word: "permit_mynetworks,", text: "reject"}},
		{"check_client_access hash:/x", accessAction{kind: actTableIn, word: "check_client_access", text: "hash:/x"}},
		{"REJECTED", accessAction{kind: actRestrictions, word: "REJECTED"}},
		{"diſcard", accessAction{kind: actRestrictions, word: "diſcard"}}, // ASCII case folding only
	} {
		if got := parseAccessAction(c.value); got != c.want {
			t.Errorf("%q:\n got  %+v\n want %+v", c.value, got, c.want)
		}
	}
}

func TestDSNFix(t *testing.T) {
	cs := newCheckSession(t, nil)
	for _, c := range []struct{ status, class, want string }{
		{"5.1.1", nameSender, "4.1.7"}, {"5.1.2", nameSender, "4.1.8"}, {"4.1.9", nameSender, "4.1.0"},
		{"5.1.7", nameRecipient, "4.1.3"}, {"5.1.8", nameRecipient, "4.1.2"}, {"5.1.1", nameRecipient, "4.1.1"},
		{"5.1.1", nameClient, "4.0.0"}, {"5.7.1", nameSender, "5.7.1"}, {"4.2.0", nameHelo, "4.2.0"},
	} {
		if got := cs.dsnFix(c.status, c.class); got != c.want {
			t.Errorf("%s for %s: got %s, want %s", c.status, c.class, got, c.want)
		}
	}
	cs.expectLog(t, "info: mapping DSN status 5.1.1 into Sender address status 5.1.7")
}

// FuzzAccessAction checks that any access(5) value parses without
// panicking into an action whose parts fit together, and that a code
// action always has a 4xx/5xx code and a valid status.
func FuzzAccessAction(f *testing.F) {
	for _, s := range []string{"OK", "REJECT 5.7.1 text", "550 5.1.1 x", "DEFER_IF_PERMIT", "PREPEND X: y",
		"FILTER smtp:[x]:1", "421", "5.7.1", "REJECT 5.1.1", "permit, reject", "check_x_access t:x", "\t", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		a := parseAccessAction(value)
		if !strings.HasPrefix(value, a.word) || strings.ContainsAny(a.word, " \t") {
			t.Fatalf("%q: word %q", value, a.word)
		}
		if a.text != "" && !strings.HasSuffix(value, a.text) {
			t.Fatalf("%q: text %q", value, a.text)
		}
		switch a.kind {
		case actCode:
			if a.code < 400 || a.code > 599 || a.text == "" {
				t.Fatalf("%q: code %d", value, a.code)
			}
			fallthrough
		case actReject, actDefer, actDeferIfPermit, actDeferIfReject:
			if dsnValid(a.dsn) != len(a.dsn) || a.msg != "" && !strings.HasSuffix(value, a.msg) {
				t.Fatalf("%q: dsn %q msg %q", value, a.dsn, a.msg)
			}
		case actOK:
			if !allDigits(value) && !strings.EqualFold(a.word, "OK") && !strings.EqualFold(a.word, "RELAY") {
				t.Fatalf("%q: OK", value)
			}
		}
		if utf8.ValidString(value) && a.kind == actRestrictions && strings.Contains(value, ":") {
			t.Fatalf("%q: table in a restriction list", value)
		}
	})
}
