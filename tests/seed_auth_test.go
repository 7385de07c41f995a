package tests

// The guide's "Configuring Postfix as an outgoing mail server to relay
// for authenticated users" with "Configuring Postfix to use SASL"
// (Dovecot's auth socket in $queue_directory/private/auth, the
// submission service of master.cf), on a fresh install root with a real
// Dovecot. See docs/seed-procedures.md.

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// seedAuthServer configures the authenticated relay of the guide; the
// test client (127.0.0.1) is not in $mynetworks, and mail for other
// domains goes to the smtp-sink (relayhost) standing for the Internet.
func seedAuthServer(t *testing.T) (*seedHost, *e2eSink, localUser) {
	t.Helper()
	h := newSeedHost(t)
	u := h.seedUser(t, "a1")
	sink := startE2ESink(t, 0)
	startSeedDovecot(t, h.inst.QueueDir, map[string]string{"alice": "wonderland", "bob": "builder"})
	cert, key := seedCertificate(t, h, "smtp.example.com")
	seedLocalServer(t, h)
	h.postconf(t, "mynetworks = 192.0.2.0/24", "relayhost = [127.0.0.1]:"+sink.port(),
		"smtpd_tls_cert_file = "+cert, "smtpd_tls_key_file = "+key, "smtpd_tls_security_level = may")
	// "Configuring Postfix to use SASL".
	h.postconf(t, "smtpd_sasl_auth_enable = yes")
	h.postconf(t, "smtpd_sasl_type = dovecot")
	h.postconf(t, "smtpd_sasl_path = private/auth")
	// "... relay for authenticated users".
	h.postconf(t, "broken_sasl_auth_clients = yes")
	h.postconf(t, "smtpd_tls_auth_only = yes")
	h.postconf(t, "smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination")
	h.postconf(t, "smtpd_sender_restrictions = reject_sender_login_mismatch")
	h.write(t, "/etc/postfix/sender_login", "alice@example.com  alice\nbob@example.com    bob\n")
	h.must(t, "postmap", h.path("/etc/postfix/sender_login"))
	h.postconf(t, "smtpd_sender_login_maps = hash:"+h.path("/etc/postfix/sender_login"))
	h.enableSubmission(t, "syslog_name=postfix/submission", "smtpd_tls_security_level=encrypt",
		"smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=yes", "smtpd_client_restrictions=permit_sasl_authenticated,reject")
	h.start(t)
	h.inst.WaitListen(t, "submission")
	return h, sink, u
}

func seedAuth(user, password string) []string {
	return []string{"--tls", "--auth", "PLAIN", "--auth-user", user, "--auth-password", password}
}

// TestSeedAuthenticatedRelay: AUTH is offered only after STARTTLS (with
// the broken AUTH= line too); relay is refused without authentication
// (defer_unauth_destination: 454) and accepted with it; an
// authenticated user may only send as the addresses
// smtpd_sender_login_maps gives it, an owned address cannot be used
// without logging in; the submission service requires TLS and AUTH.
func TestSeedAuthenticatedRelay(t *testing.T) {
	t.Parallel()
	h, sink, u := seedAuthServer(t)
	smtp := h.addr(t, "smtp")

	out, _ := seedSwaks(t, smtp, "--quit-after", "EHLO")
	if strings.Contains(out, "AUTH") {
		t.Errorf("AUTH offered before STARTTLS:\n%s", out)
	}
	out, _ = seedSwaks(t, smtp, "--tls", "--quit-after", "EHLO")
	if !strings.Contains(out, "<~  250-AUTH PLAIN LOGIN\n") || !strings.Contains(out, "<~  250-AUTH=PLAIN LOGIN\n") {
		t.Errorf("AUTH after STARTTLS:\n%s", out)
	}

	out, err := seedSwaks(t, smtp, "--tls", "--from", "stranger@example.net", "--to", "friend@remote.example")
	wantReply(t, "relay without AUTH", out, err, "454 4.7.1 <friend@remote.example>: Relay access denied")
	h.waitLog(t, `NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 454 4\.7\.1 <friend@remote\.example>: Relay access denied; from=<stranger@example\.net> to=<friend@remote\.example> proto=ESMTP`)

	h.mustSwaks(t, "smtp", append(seedAuth("alice", "wonderland"), "--from", "alice@example.com",
		"--to", "friend@remote.example", "--header", "Subject: relayed for alice")...)
	h.waitLog(t, `postfix/smtpd\[\d+\]: [0-9A-F]+: client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=alice$`)
	h.waitLog(t, `postfix/smtp\[\d+\]: [0-9A-F]+: to=<friend@remote\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent`)
	if msg := seedSinkMessage(t, sink, "Subject: relayed for alice"); !strings.Contains(msg, "X-Mail-Args: <alice@example.com>") {
		t.Errorf("at the next hop:\n%s", msg)
	}

	out, err = seedSwaks(t, smtp, append(seedAuth("alice", "wonderland"), "--from", "bob@example.com", "--to", "friend@remote.example")...)
	wantReply(t, "alice sending as bob", out, err, "553 5.7.1 <bob@example.com>: Sender address rejected: not owned by user alice")
	out, err = seedSwaks(t, smtp, "--from", "alice@example.com", "--to", u.name+"@example.com")
	wantReply(t, "alice's address without AUTH", out, err, "553 5.7.1 <alice@example.com>: Sender address rejected: not logged in")

	// Mail for the local domain still needs no login.
	h.mustSwaks(t, "smtp", "--from", "stranger@example.net", "--to", u.name+"@example.com", "--header", "Subject: inbound")
	h.waitMailbox(t, u.name, 1)
	seedSubmission(t, h, sink)

	// Last: after a failure Dovecot delays this client's next logins.
	out, err = seedSwaks(t, smtp, append(seedAuth("alice", "queen"), "--from", "alice@example.com", "--to", "friend@remote.example")...)
	wantReply(t, "a wrong password", out, err, "535 5.7.8 Error: authentication failed: (reason unavailable)")
	h.waitLog(t, `warning: localhost\[127\.0\.0\.1\]: SASL PLAIN authentication failed: \(reason unavailable\), sasl_username=alice`)
}

// seedSubmission: the submission service of master.cf, as the guide
// adds it: no mail before STARTTLS, no mail without AUTH, relay with it.
func seedSubmission(t *testing.T, h *seedHost, sink *e2eSink) {
	t.Helper()
	sub := h.addr(t, "submission")
	out, err := seedSwaks(t, sub, "--from", "bob@example.com", "--to", "friend@remote.example")
	wantReply(t, "submission without TLS", out, err, "530 5.7.0 Must issue a STARTTLS command first")
	out, err = seedSwaks(t, sub, "--tls", "--from", "bob@example.com", "--to", "friend@remote.example")
	wantReply(t, "submission without AUTH", out, err, "554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied")
	out, err = seedSwaks(t, sub, "--tls", "--auth", "LOGIN", "--auth-user", "bob", "--auth-password", "builder",
		"--from", "bob@example.com", "--to", "friend@remote.example", "--header", "Subject: submitted by bob")
	if err != nil {
		t.Fatalf("submission with AUTH: %v\n%s\n%s", err, out, h.inst.Log())
	}
	h.waitLog(t, `postfix/submission/smtpd\[\d+\]: [0-9A-F]+: client=localhost\[127\.0\.0\.1\], sasl_method=LOGIN, sasl_username=bob$`)
	msg := seedSinkMessage(t, sink, "Subject: submitted by bob")
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^Received: from \S+ \(localhost \[127\.0\.0\.1\]\)$`)).MatchString(msg) {
		t.Errorf("at the next hop:\n%s", msg)
	}
}
