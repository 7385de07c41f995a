package smtpd

import (
	"strings"
	"testing"
)

// Unit tests of every reply smtpd sends, session by session. Each entry
// is a command line (CRLF added unless it ends in "\n") and the exact
// reply (lines of a multi-line reply joined by "\n").

type exchange struct{ send, want string }

// readOnly as the send of an exchange reads a reply without sending.
const readOnly = "<read>"

func runExchanges(t *testing.T, settings map[string]string, ex []exchange) *testServer {
	t.Helper()
	ts := startServer(t, settings)
	c := ts.dial(t)
	if r := c.reply(); r != "220 mx.example.com ESMTP Postfix" {
		t.Fatalf("banner: %q", r)
	}
	for _, e := range ex {
		line := e.send
		if !strings.HasSuffix(line, "\n") {
			line += "\r\n"
		}
		if e.send != readOnly {
			c.send(line)
		}
		if got := c.reply(); got != e.want {
			t.Errorf("%q:\n got  %q\n want %q", e.send, got, e.want)
		}
	}
	return ts
}

const ehloReply = "250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n" +
	"250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING"

func TestRepliesGoodSession(t *testing.T) {
	ts := runExchanges(t, nil, []exchange{
		{"EHLO client.example", ehloReply},
		{"MAIL FROM:<a@sender.example> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=x+2By", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u+40example.com", "250 2.1.5 Ok"},
		{"RCPT TO:<other@example.com>", "250 2.1.5 Ok"},
		{"DATA", "354 End data with <CR><LF>.<CR><LF>"},
		{"From me\r\n body\r\n..x\r\n.", "250 2.0.0 Ok: queued as QID001"},
		{"NOOP", "250 2.0.0 Ok"}, {"NOOP any thing", "250 2.0.0 Ok"},
		{"RSET", "250 2.0.0 Ok"}, {"HELO again.example", "250 mx.example.com"},
		{"VRFY user@example.com", "252 2.0.0 user@example.com"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	m := ts.q.committed()[0]
	if m.sender != "a@sender.example" || m.ret != RetHdrs || m.envid != "x+y" {
		t.Errorf("sender %q ret %d envid %q", m.sender, m.ret, m.envid)
	}
	want := []string{"user@example.com|rfc822;u@example.com|10", "other@example.com|rfc822;other@example.com|0"}
	if strings.Join(m.rcpts, " ") != strings.Join(want, " ") {
		t.Errorf("recipients %q", m.rcpts)
	}
	if got := m.content.String(); got != "X-Mailbox-Line: From me\n\n body\n.x\n" {
		t.Errorf("content %q", got)
	}
	if m.meta.Encoding != "8bit" || m.meta.Protocol != "ESMTP" || m.meta.Helo != "client.example" {
		t.Errorf("meta %+v", m.meta)
	}
	ts.waitLog(t, "info: disconnect from unknown[127.0.0.1] helo=1 ehlo=1 mail=1 rcpt=2 data=1 rset=1 noop=2 vrfy=1 quit=1 commands=11")
}

func TestRepliesSequence(t *testing.T) {
	runExchanges(t, nil, []exchange{
		{"RCPT TO:<user@example.com>", "503 5.5.1 Error: need MAIL command"},
		{"DATA", "503 5.5.1 Error: need RCPT command"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"MAIL FROM:<a@b.example>", "503 5.5.1 Error: nested MAIL command"},
		{"DATA", "554 5.5.1 Error: no valid recipients"},
		{"XCLIENT NAME=x", "503 5.5.1 Error: MAIL transaction in progress"},
		{"ETRN example.com", "503 Error: MAIL transaction in progress"},
		{"RSET x", "501 5.5.4 Syntax: RSET"},
		{"HELO", "501 Syntax: HELO hostname"},
		{"EHLO", "501 Syntax: EHLO hostname"},
		{"BDAT 0 LAST", "554 5.5.1 Error: no valid recipients"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"BDAT 3\r\nab\n", "250 2.0.0 Ok: 3 bytes"},
		{"DATA", "503 5.5.1 Error: DATA after BDAT"},
		{"RCPT TO:<user@example.com>", "503 5.5.1 Error: RCPT after BDAT"},
		{"BDAT 4 LAST\r\ndef\n", "250 2.0.0 Ok: 9 bytes queued as QID001"},
		{"QUIT", "221 2.0.0 Bye"},
	})
}

func TestRepliesSyntax(t *testing.T) {
	runExchanges(t, map[string]string{"smtpd_hard_error_limit": "100"}, []exchange{
		{"EHLO c", ehloReply},
		{"MAIL FROM <a@b.example>", "501 5.5.4 Syntax: MAIL FROM:<address>"},
		{"MAIL FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>"},
		{"MAIL FROM:<a@b.example", "501 5.1.7 Bad sender address syntax"},
		{"MAIL FROM:<a b@c.example>", "501 5.1.7 Bad sender address syntax"},
		{"MAIL FROM:<a@b..example>", "501 5.1.7 Bad sender address syntax"},
		{"MAIL FROM:<a@exämple.com>", "501 5.1.7 Bad sender address syntax"},
		{"MAIL FROM:<a@b.example> FOO=bar", "555 5.5.4 Unsupported option: FOO=bar"},
		{"MAIL FROM:<a@b.example> BODY=foo", "555 5.5.4 Unsupported option: BODY=foo"},
		{"MAIL FROM:<a@b.example> SIZE=1x", "501 5.5.4 Bad message size syntax"},
		{"MAIL FROM:<a@b.example> SIZE=99999999999999999999", "552 5.3.4 Message size exceeds file system imposed limit"},
		{"MAIL FROM:<a@b.example> SIZE=10240001", "552 5.3.4 Message size exceeds fixed limit"},
		// Postfix keeps the refused SIZE= until RSET (mail_reset()).
		{"MAIL FROM:<a@b.example>", "552 5.3.4 Message size exceeds fixed limit"},
		{"RSET", "250 2.0.0 Ok"},
		{"MAIL FROM:<a@b.example> RET=NONE", "501 5.5.4 Bad RET parameter syntax"},
		{"MAIL FROM:<a@b.example> RET=FULL RET=HDRS", "501 5.5.4 Bad RET parameter syntax"},
		{"MAIL FROM:<a@b.example> ENVID=a+g0", "501 5.5.4 Bad ENVID parameter syntax"},
		{"MAIL FROM:<a@b.example> ENVID=a ENVID=b", "501 5.5.4 Bad ENVID parameter syntax"},
		{"MAIL FROM:<a@b.example> AUTH=<x> AUTH=<y>", "503 5.5.4 Error: multiple AUTH= options"},
		{"MAIL FROM:<a@exämple.com> SMTPUTF8", "250 2.1.0 Ok"},
		{"RCPT TO:<>", "501 5.1.3 Bad recipient address syntax"},
		{"RCPT TO:<a@b", "501 5.1.3 Bad recipient address syntax"},
		{"RCPT TO <a@b.example>", "501 5.5.4 Syntax: RCPT TO:<address>"},
		{"RCPT TO:<user@example.com> NOTIFY=NEVER,DELAY", "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
		{"RCPT TO:<user@example.com> NOTIFY=SUCCESS NOTIFY=DELAY", "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
		{"RCPT TO:<user@example.com> ORCPT=rfc822", "501 5.5.4 Error: Bad ORCPT parameter syntax"},
		{"RCPT TO:<user@example.com> ORCPT=;a", "501 5.5.4 Error: Bad ORCPT parameter syntax"},
		{"RCPT TO:<user@example.com> ORCPT=utf-8;\\x{zz}", "501 5.5.4 Error: Bad ORCPT parameter syntax"},
		{"RCPT TO:<user@example.com> FOO", "555 5.5.4 Unsupported option: FOO"},
		{"RCPT TO:<user@example.com> ORCPT=utf-8;\\x{FC}@example.com", "250 2.1.5 Ok"},
		{"DATA x", "501 5.5.4 Syntax: DATA"},
		{"", "500 5.5.2 Error: bad syntax"},
		{"NOOP \xff", "500 5.5.2 Error: bad UTF-8 syntax"},
		{"VRFY", "501 5.5.4 Syntax: VRFY address [SMTPUTF8]"},
		{"VRFY a b c", "501 5.1.3 Bad recipient address syntax"},
		{"BDAT x", "521 5.5.4 Syntax: BDAT count [LAST]"},
	})
}

func TestRepliesUnknownAndUnimplemented(t *testing.T) {
	runExchanges(t, nil, []exchange{
		{"FOO", "500 5.5.2 Error: command not recognized"},
		{"STARTTLS", "502 5.5.1 Error: command not implemented"},
		{"STARTTLS x", "501 5.5.4 Syntax: STARTTLS"},
		{"AUTH PLAIN", "503 5.5.1 Error: authentication not enabled"},
		{"XCLIENT", "501 5.5.4 Syntax: XCLIENT attribute=value..."},
		{"XFORWARD NAME=x", "550 5.7.0 Error: insufficient authorization"},
		{"ETRN", "500 Syntax: ETRN domain"},
		{"ETRN -bad-", "501 Error: invalid parameter syntax"},
		{"ETRN @other.example", "459 <other.example>: service unavailable"},
		{"Subject: hi", "221 2.7.0 Error: I can break rules, too. Goodbye."},
	})
}

func TestRepliesRelay(t *testing.T) {
	runExchanges(t, map[string]string{"mynetworks": "192.0.2.0/24", "relay_domains": "relay.example"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<x@other.example>", "454 4.7.1 <x@other.example>: Relay access denied"},
		{"RCPT TO:<x@relay.example>", "250 2.1.5 Ok"},
		{"RCPT TO:<x@sub.relay.example>", "250 2.1.5 Ok"},
		{"RCPT TO:<x%other.example@example.com>", "454 4.7.1 <x%other.example@example.com>: Relay access denied"},
		{"RCPT TO:<other.example!x@example.com>", "454 4.7.1 <other.example!x@example.com>: Relay access denied"},
		{"RCPT TO:<@example.com:x@other.example>", "454 4.7.1 <x@other.example>: Relay access denied"},
		{"RCPT TO:<x@[127.0.0.1]>", "250 2.1.5 Ok"},
		{"RCPT TO:<postmaster>", "250 2.1.5 Ok"},
		{"RCPT TO:<user>", "454 4.7.1 <user>: Relay access denied"},
		{"VRFY x@other.example", "454 4.7.1 <x@other.example>: Relay access denied"},
	})
	runExchanges(t, map[string]string{"mynetworks": "127.0.0.0/8"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<x@other.example>", "250 2.1.5 Ok"},
	})
	ts := runExchanges(t, map[string]string{"mynetworks": "192.0.2.0/24",
		"smtpd_relay_restrictions": "permit_mynetworks reject_unauth_destination"}, []exchange{
		{"HELO h", "250 mx.example.com"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<x@other.example>", "554 5.7.1 <x@other.example>: Relay access denied"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	ts.log.has(t, "info: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 554 5.7.1 <x@other.example>: "+
		"Relay access denied; from=<a@b.example> to=<x@other.example> proto=SMTP helo=<h>")
}
