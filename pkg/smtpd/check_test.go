package smtpd

import (
	"strings"
	"testing"
)

func TestRestrictionEvaluation(t *testing.T) {
	ts := runExchanges(t, map[string]string{
		"smtpd_client_restrictions":       "warn_if_reject reject_unauth_pipelining, warn_if_reject, reject",
		"smtpd_helo_restrictions":         "defer_if_reject, permit",
		"smtpd_sender_restrictions":       "myclass",
		"smtpd_restriction_classes":       "myclass",
		"myclass":                         "defer_if_permit",
		"smtpd_recipient_restrictions":    "permit_auth_destination, reject",
		"smtpd_log_access_permit_actions": "permit_auth_destination",
		"mynetworks":                      "192.0.2.0/24",
	}, []exchange{
		{"EHLO c", ehloReply},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "450 4.7.0 <a@b.example>: Sender address rejected: defer_if_permit requested"},
		// smtpd_relay_restrictions run first (compatibility_level 3.6+).
		{"RCPT TO:<x@other.example>", "454 4.7.1 <x@other.example>: Relay access denied"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: NOQUEUE: reject_warning: RCPT from unknown[127.0.0.1]: 554 5.7.1 <unknown[127.0.0.1]>: "+
		"Client host rejected: Access denied; from=<a@b.example> to=<user@example.com> proto=ESMTP helo=<c>")
}

func TestPermitLogging(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_log_access_permit_actions": "permit_auth_destination",
		"smtpd_relay_restrictions": "permit_auth_destination, reject", "mynetworks": "192.0.2.0/24"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"RCPT TO:<x@other.example>", "554 5.7.1 <x@other.example>: Recipient address rejected: Access denied"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: NOQUEUE: permit: RCPT from unknown[127.0.0.1]: action=permit_auth_destination for "+
		"Recipient address=user@example.com ; from=<a@b.example> to=<user@example.com> proto=SMTP")
}

func TestDeferIfRejectTurnsRejectIntoDefer(t *testing.T) {
	runExchanges(t, map[string]string{"smtpd_recipient_restrictions": "defer_if_reject, reject",
		"mynetworks": "192.0.2.0/24"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "450 4.7.0 <user@example.com>: Recipient address rejected: defer_if_reject requested"},
	})
}

func TestSoftBounce(t *testing.T) {
	runExchanges(t, map[string]string{"soft_bounce": "yes", "mynetworks": "192.0.2.0/24",
		"smtpd_relay_restrictions": "reject_unauth_destination"}, []exchange{
		{"FOO", "400 4.5.2 Error: command not recognized"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<x@other.example>", "454 4.7.1 <x@other.example>: Relay access denied"},
	})
}

func TestUnknownAndUnimplementedRestrictions(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_sender_restrictions": "permit_tls_all_clientcerts",
		"smtpd_etrn_restrictions": "no_such_thing", "smtpd_data_restrictions": "hash:/y"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "451 4.3.5 Server configuration error"},
		{"RCPT TO:<user@example.com>", "451 4.3.5 Server configuration error"},
		{"RSET", "250 2.0.0 Ok"},
		{"ETRN example.com", "451 4.3.5 Server configuration error"},
	})
	ts.waitLog(t, "info: NOQUEUE: reject: ETRN")
	warned := 0
	for _, l := range ts.log.all() {
		if strings.HasPrefix(l, "warning: restriction \"permit_tls_all_clientcerts\" is not implemented") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("%d not-implemented warnings, want 1", warned)
	}
	ts.log.has(t, `warning: unknown smtpd restriction: "no_such_thing"`)
}

func TestNoDelayRejectClient(t *testing.T) {
	ts := startServer(t, map[string]string{"smtpd_delay_reject": "no", "smtpd_client_restrictions": "reject"})
	c := ts.dial(t)
	if r := c.reply(); r != "554 5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied" {
		t.Fatalf("greeting %q", r)
	}
	c.expect("EHLO c", "503 5.7.0 Error: access denied for unknown[127.0.0.1]")
	c.expect("FOO", "503 5.7.0 Error: access denied for unknown[127.0.0.1]")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: NOQUEUE: reject: CONNECT from unknown[127.0.0.1]: 554 5.7.1 <unknown[127.0.0.1]>: "+
		"Client host rejected: Access denied; proto=SMTP")
}

func TestNoDelayRejectHeloAndSender(t *testing.T) {
	runExchanges(t, map[string]string{"smtpd_delay_reject": "no", "smtpd_helo_restrictions": "defer",
		"smtpd_helo_required": "yes"}, []exchange{
		{"MAIL FROM:<a@b.example>", "503 5.5.1 Error: send HELO/EHLO first"},
		{"AUTH PLAIN", "503 5.5.1 Error: send HELO/EHLO first"},
		{"ETRN x.example", "503 Error: send HELO/EHLO first"},
		{"HELO h", "450 4.3.2 <h>: Helo command rejected: Try again later"},
	})
	runExchanges(t, map[string]string{"smtpd_delay_reject": "no", "smtpd_sender_restrictions": "reject"}, []exchange{
		{"MAIL FROM:<a@b.example>", "554 5.7.1 <a@b.example>: Sender address rejected: Access denied"},
		{"RCPT TO:<user@example.com>", "503 5.5.1 Error: need MAIL command"},
	})
}

func TestDiscardEhloKeywords(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_discard_ehlo_keywords": "pipelining, smtputf8, chunking, bogus",
		"message_size_limit": "0", "disable_vrfy_command": "yes"}, []exchange{
		{"EHLO c", "250-mx.example.com\n250-SIZE\n250-ETRN\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250 DSN"},
		{"BDAT 1 LAST", "521 5.5.1 Error: command not implemented"},
		{readOnly, "EOF"},
	})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: discarding EHLO keywords: PIPELINING EHLO_MASK_SMTPUTF8 CHUNKING")
}

func TestUnauthPipelining(t *testing.T) {
	ts := startServer(t, map[string]string{"smtpd_forbid_unauth_pipelining": "yes"})
	c := ts.dial(t)
	c.reply()
	c.send("HELO h\r\nNOOP\r\n")
	if r := c.reply(); r != "554 5.5.0 Error: SMTP protocol synchronization" {
		t.Errorf("got %q", r)
	}
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, `info: improper command pipelining after HELO from unknown[127.0.0.1]: NOOP\r\n`)
}

func TestNoopAndForbiddenCommands(t *testing.T) {
	runExchanges(t, map[string]string{"smtpd_noop_commands": "XYZZY", "smtpd_forbidden_commands": "PLUGH"}, []exchange{
		{"xyzzy", "250 2.0.0 Ok"},
		{"GET /", "500 5.5.2 Error: command not recognized"},
		{"PLUGH", "221 2.7.0 Error: I can break rules, too. Goodbye."},
	})
}

func TestConfigurationErrors(t *testing.T) {
	for set, want := range map[[2]string]string{
		{"smtpd_relay_restrictions", "permit_mynetworks"}: "in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, " +
			"specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, " +
			"reject, defer, defer_if_permit or check_relay_domains",
		{"smtpd_sasl_auth_enable", "yes"}:    "smtpd_sasl_type = cyrus: Cyrus SASL is not implemented in Postern; use smtpd_sasl_type = dovecot",
		{"smtpd_tls_security_level", "dane"}: `Invalid TLS level "dane"`,
		{"smtpd_restriction_classes", "x"}:   "restriction class `x' needs a definition",
		{"smtpd_timeout", "5x"}:              "parameter smtpd_timeout: bad time value or unit: 5x",
	} {
		_, err := New(testConfig(map[string]string{set[0]: set[1]}), Deps{Queue: &fakeQueue{}})
		if err == nil || err.Error() != want {
			t.Errorf("%s = %s: got %v, want %s", set[0], set[1], err, want)
		}
	}
}
