package smtpd

import "testing"

// smtpd_forbid_bare_newline: no SMTP smuggling.

func TestBareLFNormalizeContent(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_forbid_bare_newline": "normalize",
		"smtpd_forbid_bare_newline_exclusions": ""}, []exchange{
		{"MAIL FROM:<a@b.example>\n", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"DATA", "354 End data with <CR><LF>.<CR><LF>"},
		{"a\n.\nMAIL FROM:<evil@x.example>\r\n.\nb\r\n.", "250 2.0.0 Ok: queued as QID001"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	// ".\n" and the "." after a bare LF line do not end the message and
	// are not stored; the smuggled command stays content.
	if got := ts.q.msgs[0].content.String(); got != "a\nMAIL FROM:<evil@x.example>\nb\n" {
		t.Errorf("content %q", got)
	}
}

func TestBareLFOff(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_forbid_bare_newline": "no"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"DATA", "354 End data with <CR><LF>.<CR><LF>"},
		{"a\n.\n", "250 2.0.0 Ok: queued as QID001"},
	})
	if got := ts.q.msgs[0].content.String(); got != "a\n" {
		t.Errorf("content %q", got)
	}
}

func TestBareLFExclusions(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_forbid_bare_newline": "reject"}, []exchange{
		{"MAIL FROM:<a@b.example>\n", "250 2.1.0 Ok"}, // 127.0.0.1 is in $mynetworks
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"DATA", "354 End data with <CR><LF>.<CR><LF>"},
		{"a\n.\n", "250 2.0.0 Ok: queued as QID001"},
	})
	if got := ts.q.msgs[0].content.String(); got != "a\n" {
		t.Errorf("content %q", got)
	}
}

func TestBareLFReject(t *testing.T) {
	set := map[string]string{"smtpd_forbid_bare_newline": "reject", "smtpd_forbid_bare_newline_exclusions": "",
		"smtpd_forbid_bare_newline_reject_code": "554"}
	ts := runExchanges(t, set, []exchange{
		{"HELO h", "250 mx.example.com"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"DATA", "354 End data with <CR><LF>.<CR><LF>"},
		{"a\nb\r\n.", "554 5.5.2 mx.example.com Error: bare <LF> received"},
		{"NOOP\n", "554 5.5.2 mx.example.com Error: bare <LF> received"},
		{readOnly, "EOF"},
	})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: QID001: reject: END-OF-MESSAGE from unknown[127.0.0.1]: bare <LF> received; "+
		"from=<a@b.example> to=<user@example.com> proto=SMTP helo=<h>")
	// The command is refused before it is looked at, so the log names
	// the previous stage, as Postfix's.
	ts.log.has(t, "info: NOQUEUE: reject: END-OF-MESSAGE from unknown[127.0.0.1]: bare <LF> received; proto=SMTP helo=<h>")
	if len(ts.q.committed()) != 0 {
		t.Error("message with bare LF queued")
	}
}

func TestBadBareLFSetting(t *testing.T) {
	_, err := New(testConfig(map[string]string{"smtpd_forbid_bare_newline": "maybe"}), Deps{Queue: &fakeQueue{}})
	if err == nil || err.Error() != "bad parameter value: 'smtpd_forbid_bare_newline = maybe'" {
		t.Errorf("got %v", err)
	}
}
