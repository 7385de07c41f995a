package smtpd

import (
	"strings"
	"testing"
)

// standAloneSettings would refuse this client at every stage, demand
// TLS (without a certificate) and SASL, and limit it to no connection.
var standAloneSettings = map[string]string{
	"smtpd_delay_reject": "no", "smtpd_client_restrictions": "reject",
	"smtpd_helo_restrictions": "reject", "smtpd_sender_restrictions": "reject",
	"smtpd_relay_restrictions": "reject", "smtpd_recipient_restrictions": "reject",
	"smtpd_data_restrictions": "reject", "smtpd_end_of_data_restrictions": "reject",
	"smtpd_etrn_restrictions":        "reject",
	"smtpd_tls_security_level":       "encrypt",
	"smtpd_sasl_auth_enable":         "yes",
	"smtpd_forbid_unauth_pipelining": "yes",
	"smtpd_forbid_bare_newline":      "reject",
}

// TestStandAlone: with Deps.StandAlone (sendmail -bs) no restriction
// applies, TLS, AUTH and the bare newline and pipelining checks are off,
// ETRN gets Postfix's stand-alone answer, and the message is queued.
func TestStandAlone(t *testing.T) {
	ts := startServer(t, standAloneSettings, func(d *Deps) { d.StandAlone = true })
	c := ts.dial(t)
	c.send("EHLO client.example\r\n") // before the greeting: no pipelining check
	if r := c.reply(); !strings.HasPrefix(r, "220 ") {
		t.Fatalf("greeting %q", r)
	}
	if r := c.reply(); r != "250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n"+
		"250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING" {
		t.Errorf("EHLO: %q", r)
	}
	c.expect("STARTTLS", "502 5.5.1 Error: command not implemented")
	c.expect("AUTH PLAIN AGFAYQ==", "503 5.5.1 Error: authentication not enabled")
	c.expect("ETRN example.com", "458 Unable to queue messages")
	ts.log.has(t, `warning: do not use ETRN in "sendmail -bs" mode`)
	c.expect("VRFY someone@elsewhere.example", "252 2.0.0 someone@elsewhere.example")
	// Pipelined MAIL, RCPT and DATA, a bare newline in the content.
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@elsewhere.example>\r\nDATA\r\n")
	for _, want := range []string{"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"} {
		if r := c.reply(); r != want {
			t.Fatalf("got %q, want %q", r, want)
		}
	}
	c.send("Subject: s\r\n\r\nbare\nnewline\r\n.\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 Ok: queued as ") {
		t.Fatalf("end of data: %q", r)
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	m := ts.q.committed()
	if len(m) != 1 || strings.Join(m[0].rcpts, ",") != "b@elsewhere.example|rfc822;b@elsewhere.example|0" ||
		m[0].content.String() != "Subject: s\n\nbare\nnewline\n" {
		t.Fatalf("queued %d: %+v", len(m), m)
	}
}

// TestNotStandAlone: the same settings refuse a normal client at once
// (the restrictions above do apply without Deps.StandAlone).
func TestNotStandAlone(t *testing.T) {
	settings := map[string]string{}
	for k, v := range standAloneSettings {
		settings[k] = v
	}
	delete(settings, "smtpd_tls_security_level")
	delete(settings, "smtpd_sasl_auth_enable")
	ts := startServer(t, settings)
	c := ts.dial(t)
	if r := c.reply(); !strings.HasPrefix(r, "554 5.7.1 ") {
		t.Fatalf("greeting %q", r)
	}
}
