package tests

// Postfix's SOHO_README hints on a fresh install root: a small office
// host without a real Internet domain (localdomain.local) sends through
// its ISP's submission server with TLS and SASL
// (smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd,
// smtp_tls_security_level = encrypt) and rewrites its local addresses to
// the ISP account on the way out (smtp_generic_maps); and
// canonical_maps (ADDRESS_REWRITING_README) on a local server. The ISP
// is a second Postern install with Dovecot SASL on its submission port,
// relaying to an smtp-sink that stands for the Internet. See
// docs/seed-procedures.md.

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// seedISP is the ISP's mail server: mail.isp.example, submission with
// STARTTLS required and Dovecot SASL (isp-account / isp-secret), mail
// for other domains relayed to the sink.
func seedISP(t *testing.T, sink *e2eSink) *seedHost {
	t.Helper()
	isp := newSeedHost(t)
	startSeedDovecot(t, isp.inst.QueueDir, map[string]string{"isp-account": "isp-secret"})
	cert, key := seedCertificate(t, isp, "mail.isp.example")
	isp.postconf(t, "myhostname = mail.isp.example", "mydomain = isp.example", "mynetworks = 192.0.2.0/24",
		"relayhost = [127.0.0.1]:"+sink.port(), "smtpd_tls_cert_file = "+cert, "smtpd_tls_key_file = "+key,
		"smtpd_tls_security_level = may", "smtpd_sasl_type = dovecot", "smtpd_sasl_path = private/auth")
	isp.enableSubmission(t, "syslog_name=postfix/submission", "smtpd_tls_security_level=encrypt",
		"smtpd_sasl_auth_enable=yes", "smtpd_client_restrictions=permit_sasl_authenticated,reject")
	isp.start(t)
	isp.inst.WaitListen(t, "submission")
	return isp
}

// seedFlushUntil runs "postqueue -f" until the log has a line matching
// pattern: a daemon may use a table rebuilt a moment ago only after it
// noticed the change.
func seedFlushUntil(t *testing.T, h *seedHost, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(harness.Timeout)
	for !re.MatchString(h.inst.Log()) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line matching %q:\n%s", pattern, h.inst.Log())
		}
		h.must(t, "postqueue", "-f")
		for i := 0; i < 20 && !re.MatchString(h.inst.Log()); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestSeedSOHOSmarthost: SOHO_README's "Enabling SASL authentication and
// TLS in the Postfix SMTP client" and "Postfix on hosts without a real
// Internet hostname". A mistyped password makes the mail wait in the
// queue (SASL failure: deferred, as smtp_sasl_auth_soft_bounce says);
// the corrected sasl_passwd, postmap and postqueue -f send it, over TLS,
// authenticated, with smtp_generic_maps' addresses in the envelope and
// the headers. Local delivery keeps the local addresses.
func TestSeedSOHOSmarthost(t *testing.T) {
	t.Parallel()
	sink := startE2ESink(t, 0)
	isp := seedISP(t, sink)
	h := newSeedHost(t)
	u := h.seedUser(t, "h1")
	submission := isp.addr(t, "submission")
	// SOHO_README: relayhost = [mail.isp.example]:submission; the ISP
	// is at an IP literal and port here.
	nexthop := "[" + strings.Replace(submission, ":", "]:", 1)
	h.postconf(t, "myhostname = host.localdomain.local", "mydomain = localdomain.local", "myorigin = $mydomain",
		"mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain")
	h.postconf(t, "smtp_sasl_auth_enable = yes", "smtp_tls_security_level = encrypt",
		"smtp_sasl_tls_security_options = noanonymous", "relayhost = "+nexthop,
		"smtp_sasl_password_maps = hash:"+h.path("/etc/postfix/sasl_passwd"))
	h.write(t, "/etc/postfix/sasl_passwd", nexthop+"  isp-account:isp-secrte\n")
	h.must(t, "postmap", h.path("/etc/postfix/sasl_passwd"))
	h.write(t, "/etc/postfix/generic", fmt.Sprintf("%s@localdomain.local  isp-account@isp.example\n"+
		"@localdomain.local  isp-account+local@isp.example\n", u.name))
	h.must(t, "postmap", h.path("/etc/postfix/generic"))
	h.postconf(t, "smtp_generic_maps = hash:"+h.path("/etc/postfix/generic"))
	h.start(t)

	msg := fmt.Sprintf("From: %[1]s@localdomain.local\nTo: friend@remote.example\nCc: %[1]s@localdomain.local\n"+
		"Subject: through the ISP\n\nThis is a test message\n", u.name)
	if out, err := h.run(msg, "sendmail", "-f", u.name+"@localdomain.local", "-t"); err != nil || out != "" {
		t.Fatalf("sendmail -t: %v %q", err, out)
	}
	h.waitLog(t, `postfix/smtp\[\d+\]: [0-9A-F]+: to=<friend@remote\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=deferred \(SASL authentication failed; server 127\.0\.0\.1\[127\.0\.0\.1\] said: 535 5\.7\.8 Error: authentication failed: `)
	if box := h.waitMailbox(t, u.name, 1); !strings.Contains(box, "\nFrom: "+u.name+"@localdomain.local\n") {
		t.Errorf("the local copy was rewritten:\n%s", box)
	}
	seedMailqDeferred(t, h, u.name+"@localdomain.local")

	h.write(t, "/etc/postfix/sasl_passwd", nexthop+"  isp-account:isp-secret\n")
	h.must(t, "postmap", h.path("/etc/postfix/sasl_passwd"))
	seedFlushUntil(t, h, `postfix/smtp\[\d+\]: [0-9A-F]+: to=<friend@remote\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent \(250 2\.0\.0 Ok: queued as [0-9A-F]+\)`)
	isp.waitLog(t, `postfix/submission/smtpd\[\d+\]: [0-9A-F]+: client=localhost\[127\.0\.0\.1\], sasl_method=(PLAIN|LOGIN), sasl_username=isp-account$`)
	isp.waitLog(t, `postfix/smtp\[\d+\]: [0-9A-F]+: to=<friend@remote\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent`)
	out := seedSinkMessage(t, sink, "Subject: through the ISP")
	for _, want := range []string{"X-Mail-Args: <isp-account@isp.example>", "X-Rcpt-Args: <friend@remote.example>",
		"\nFrom: isp-account@isp.example\n", "\nCc: isp-account@isp.example\n", "\nTo: friend@remote.example\n",
		"\nThis is a test message\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("at the Internet: no %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^Received: from host\.localdomain\.local \(localhost \[127\.0\.0\.1\]\)\n\s+\(using TLS`).MatchString(out) &&
		!strings.Contains(out, "with ESMTPSA id") {
		t.Errorf("the ISP did not receive the message over TLS with AUTH:\n%s", out)
	}
	seedSOHOCatchAll(t, h, sink)
}

// seedMailqDeferred: mailq shows the waiting message with the reason.
func seedMailqDeferred(t *testing.T, h *seedHost, sender string) {
	t.Helper()
	want := regexp.MustCompile(`^-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n` +
		`[0-9A-F]+ +\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d  ` + regexp.QuoteMeta(sender) + `\n` +
		`\(SASL authentication failed; server 127\.0\.0\.1\[127\.0\.0\.1\] said: 535 5\.7\.8 Error: authentication failed: \(reason unavailable\)\)\n` +
		` {41}friend@remote\.example\n\n-- 0 Kbytes in 1 Request\.\n$`)
	var out string
	harness.Eventually(t, "the deferred message in mailq", func() bool {
		out = h.must(t, "mailq")
		return want.MatchString(out)
	})
}

// seedSOHOCatchAll: root's mail, unqualified, leaves as the catch-all
// account of the generic table.
func seedSOHOCatchAll(t *testing.T, h *seedHost, sink *e2eSink) {
	t.Helper()
	if out, err := h.run("Subject: from root\n\nnightly report\n", "sendmail", "friend@remote.example"); err != nil || out != "" {
		t.Fatalf("sendmail: %v %q", err, out)
	}
	out := seedSinkMessage(t, sink, "Subject: from root")
	if !strings.Contains(out, "X-Mail-Args: <isp-account+local@isp.example>") || !strings.Contains(out, "\nFrom: root <isp-account+local@isp.example>\n") {
		t.Errorf("root's mail at the Internet:\n%s", out)
	}
}

// TestSeedCanonical: canonical_maps = hash:/etc/postfix/canonical
// (ADDRESS_REWRITING_README): a renamed domain and a role address are
// rewritten in the envelope and the headers of mail that arrives over
// SMTP; smtpd accepts the canonical recipient though it is no local
// user.
func TestSeedCanonical(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	u := h.seedUser(t, "c1")
	seedLocalServer(t, h)
	h.write(t, "/etc/postfix/canonical", fmt.Sprintf("sales@example.com  %s@example.com\n@old-example.com  @example.com\n", u.name))
	h.must(t, "postmap", h.path("/etc/postfix/canonical"))
	h.postconf(t, "canonical_maps = hash:"+h.path("/etc/postfix/canonical"))
	if got := h.must(t, "postmap", "-q", "@old-example.com", "hash:"+h.path("/etc/postfix/canonical")); got != "@example.com\n" {
		t.Errorf("postmap -q @old-example.com: %q", got)
	}
	h.start(t)
	h.mustSwaks(t, "smtp", "--from", "alice@old-example.com", "--to", "sales@example.com",
		"--header", "From: Alice <alice@old-example.com>", "--header", "To: sales@example.com", "--header", "Subject: canonical")
	box := h.waitMailbox(t, u.name, 1)
	for _, want := range []string{"\nReturn-Path: <alice@example.com>\n", "\nFrom: Alice <alice@example.com>\n",
		"\nTo: " + u.name + "@example.com\n", "\nDelivered-To: " + u.name + "@example.com\n"} {
		if !strings.Contains(box, want) {
			t.Errorf("mailbox has no %q:\n%s", want, box)
		}
	}
	h.waitLog(t, `postfix/qmgr\[\d+\]: [0-9A-F]+: from=<alice@example\.com>, size=\d+, nrcpt=1 \(queue active\)`)
	if _, err := os.Stat(h.mailbox("sales")); err == nil {
		t.Errorf("a mailbox for sales was created")
	}
}
