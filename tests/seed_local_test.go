package tests

// The Red Hat guide's first procedures, word for word on a fresh
// install root: "Installing and configuring a Postfix SMTP server",
// "Customizing TLS settings of a Postfix server" and "Configuring
// Postfix to forward all emails to a mail server" (the null client of
// STANDARD_CONFIGURATION_README). See docs/seed-procedures.md.

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// seedLocalServer runs the guide's main.cf edits of "Installing and
// configuring a Postfix SMTP server".
func seedLocalServer(t *testing.T, h *seedHost) {
	t.Helper()
	h.postconf(t, "myhostname = smtp.example.com")
	h.postconf(t, "mydomain = example.com")
	h.postconf(t, "myorigin = $mydomain")
	h.postconf(t, "inet_interfaces = all")
	h.postconf(t, "mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain")
	h.postconf(t, "mynetworks = 127.0.0.0/8, [::1]/128, 192.0.2.0/24")
}

// TestSeedLocalServer: the local mail server of the guide. postconf -e
// edits main.cf, postfix check is silent, postfix start starts it, and
// "echo 'This is a test message' | mail -s SUBJECT user@example.com"
// lands in the user's mailbox in the spool directory, which the user
// reads with mail(1). Mail from the network for the domain arrives too,
// an unknown user is refused at RCPT, and an unqualified sender gets
// $myorigin.
func TestSeedLocalServer(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	u := h.seedUser(t, "s1")
	h.smtpOnPortOnly(t)
	seedLocalServer(t, h)
	if got := h.must(t, "postconf", "myorigin", "mydestination"); got !=
		"myorigin = $mydomain\nmydestination = $myhostname, localhost.$mydomain, localhost, $mydomain\n" {
		t.Errorf("postconf myorigin mydestination:\n%s", got)
	}
	if got := h.must(t, "postconf", "-x", "-h", "mydestination"); got != "smtp.example.com, localhost.example.com, localhost, example.com\n" {
		t.Errorf("postconf -x -h mydestination: %q", got)
	}
	seedPostconfOracle(t, h, "-n")
	h.start(t)
	if got := h.listenAddrs(t); len(got) != 1 || got[0] != "0.0.0.0" {
		t.Errorf("with inet_interfaces = all the smtp service listens on %v, want 0.0.0.0", got)
	}
	// systemctl status postfix; postfix status logs (stderr only on a
	// terminal, as postfix-script's postlog).
	h.must(t, "postfix", "status")
	h.waitLog(t, `postfix/postfix-script\[\d+\]: the Postfix mail system is running: PID: \d+$`)

	h.mail(t, "Test subject", u.name+"@example.com", "This is a test message")
	mbox := h.waitMailbox(t, u.name, 1)
	for _, want := range []string{"\nSubject: Test subject\n", "\nDelivered-To: " + u.name + "@example.com\n",
		"\nReceived: by smtp.example.com (Postfix, from userid 0)\n", "\n\nThis is a test message\n"} {
		if !strings.Contains(mbox, want) {
			t.Errorf("mailbox has no %q:\n%s", want, mbox)
		}
	}
	h.waitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: to=<`+regexp.QuoteMeta(u.name)+`@example\.com>, relay=local, delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, status=sent \(delivered to mailbox\)`)
	if st, err := os.Stat(h.mailbox(u.name)); err != nil || st.Mode().Perm() != 0o600 || int(st.Sys().(*syscall.Stat_t).Uid) != u.uid {
		t.Errorf("mailbox %s: %v %v, want 0600 owned by %s", h.mailbox(u.name), st.Mode(), err, u.name)
	}
	summary, msg := readMbox(t, h.mailbox(u.name), 1)
	if len(summary) != 1 || !strings.Contains(summary[0], "Test subject") || !strings.Contains(msg, "This is a test message") {
		t.Errorf("mail -f: %q\n%s", summary, msg)
	}

	seedLocalFromNetwork(t, h, u)
	seedLocalOrigin(t, h)
	if out := h.must(t, "mailq"); out != "Mail queue is empty\n" {
		t.Errorf("mailq: %q", out)
	}
}

// seedLocalFromNetwork: with inet_interfaces = all the server takes mail
// for $mydomain from the network; unknown users get Postfix's 550.
func seedLocalFromNetwork(t *testing.T, h *seedHost, u localUser) {
	t.Helper()
	out := h.mustSwaks(t, "smtp", "--ehlo", "client.example.net", "--from", "someone@example.net",
		"--to", u.name+"@example.com", "--header", "Subject: from the network")
	if !strings.Contains(out, "<-  220 smtp.example.com ESMTP Postfix") {
		t.Errorf("banner:\n%s", out)
	}
	h.waitMailbox(t, u.name, 2)
	out, err := seedSwaks(t, h.addr(t, "smtp"), "--from", "someone@example.net", "--to", "nosuchuser@example.com")
	wantReply(t, "unknown local user", out, err,
		"550 5.1.1 <nosuchuser@example.com>: Recipient address rejected: User unknown in local recipient table")
	h.waitLog(t, `postfix/smtpd\[\d+\]: NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 <nosuchuser@example\.com>: Recipient address rejected: User unknown in local recipient table; from=<someone@example\.net> to=<nosuchuser@example\.com> proto=ESMTP helo=<`)
}

// seedLocalOrigin: "myorigin = $mydomain": mail that root submits with
// sendmail under an unqualified name leaves as root@example.com, and the
// unqualified recipient is completed the same way.
func seedLocalOrigin(t *testing.T, h *seedHost) {
	t.Helper()
	if out, err := h.run("Subject: cron\n\nnightly report\n", "sendmail", "postmaster"); err != nil || out != "" {
		t.Fatalf("sendmail postmaster: %v %q", err, out)
	}
	h.waitLog(t, `postfix/qmgr\[\d+\]: [0-9A-F]+: from=<root@example\.com>, size=\d+, nrcpt=1 \(queue active\)`)
	// postmaster is an alias of root (/etc/aliases).
	h.waitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: to=<root@example\.com>, orig_to=<postmaster>, relay=local, .*status=sent \(delivered to mailbox\)`)
	h.waitMailbox(t, "root", 1)
}

// TestSeedTLS: "Customizing TLS settings of a Postfix server". Before:
// no STARTTLS. The administrator makes a certificate with openssl, sets
// smtpd_tls_cert_file, smtpd_tls_key_file and the security levels,
// runs postfix check and postfix reload; then swaks --tls sends mail
// over STARTTLS and openssl s_client -starttls smtp shows the
// certificate that was installed.
func TestSeedTLS(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	u := h.seedUser(t, "s2")
	seedLocalServer(t, h)
	h.start(t)
	out, err := seedSwaks(t, h.addr(t, "smtp"), "--tls", "--to", u.name+"@example.com")
	if err == nil || !strings.Contains(out, "STARTTLS") || strings.Contains(out, "250-STARTTLS") {
		t.Errorf("swaks --tls before TLS is configured: %v\n%s", err, out)
	}

	cert, key := seedCertificate(t, h, "smtp.example.com")
	h.postconf(t, "smtpd_tls_cert_file = "+cert)
	h.postconf(t, "smtpd_tls_key_file = "+key)
	h.postconf(t, "smtpd_tls_security_level = may")
	h.postconf(t, "smtp_tls_security_level = may")
	h.check(t)
	h.reload(t)

	out = h.mustSwaks(t, "smtp", "--tls", "--from", "someone@example.net", "--to", u.name+"@example.com",
		"--header", "Subject: over TLS")
	for _, want := range []string{"<-  250-STARTTLS", " -> STARTTLS", "<-  220 2.0.0 Ready to start TLS",
		"=== TLS started with cipher TLSv1.3:", "<~  250 2.0.0 Ok: queued as "} {
		if !strings.Contains(out, want) {
			t.Errorf("swaks --tls has no %q:\n%s", want, out)
		}
	}
	mbox := h.waitMailbox(t, u.name, 1)
	if !strings.Contains(mbox, "Subject: over TLS") || !regexp.MustCompile(`with ESMTPS id [0-9A-F]+`).MatchString(mbox) {
		t.Errorf("mailbox:\n%s", mbox)
	}

	sc := seedSClient(t, h.addr(t, "smtp"))
	pem, _ := os.ReadFile(cert)
	for _, want := range []string{"CONNECTED(", "subject=CN = smtp.example.com", "issuer=CN = smtp.example.com",
		strings.TrimSpace(string(pem)), "250 "} {
		if !strings.Contains(sc, want) {
			t.Errorf("openssl s_client has no %q:\n%s", want, sc)
		}
	}
	if !regexp.MustCompile(`Verify return code: 18 \(self.signed certificate\)`).MatchString(sc) {
		t.Errorf("openssl s_client: no self-signed verify result:\n%s", sc)
	}
}

// TestSeedNullClient: "Configuring Postfix to forward all emails to a
// mail server": relayhost, inet_interfaces = loopback-only, myorigin,
// an empty mydestination (and STANDARD_CONFIGURATION_README's
// local_transport = error:local delivery is disabled). The guide's
// verification mail reaches the mail server (smtp-sink), and so does
// local mail to an unqualified name, with $myorigin's domain.
func TestSeedNullClient(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	sink := startE2ESink(t, 0)
	h.smtpOnPortOnly(t)
	h.postconf(t, "myhostname = client.example.com", "mydomain = example.com")
	// The guide: relayhost = [mail.example.com]; the mail server is
	// the smtp-sink on a loopback port.
	h.postconf(t, "relayhost = [127.0.0.1]:"+sink.port())
	h.postconf(t, "inet_interfaces = loopback-only")
	h.postconf(t, "myorigin = $mydomain")
	h.postconf(t, "mydestination =")
	h.postconf(t, "local_transport = error:local delivery is disabled")
	h.start(t)
	if got := h.listenAddrs(t); len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("with inet_interfaces = loopback-only the smtp service listens on %v, want 127.0.0.1", got)
	}

	h.mail(t, "Null client", "admin@example.com", "This is a test message")
	h.waitLog(t, `postfix/smtp\[\d+\]: [0-9A-F]+: to=<admin@example\.com>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:`+sink.port()+`, delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, status=sent \(250 `)
	msg := seedSinkMessage(t, sink, "Subject: Null client")
	if !strings.Contains(msg, "X-Rcpt-Args: <admin@example.com>") || !strings.Contains(msg, "\nThis is a test message\n") {
		t.Errorf("at the mail server:\n%s", msg)
	}

	if out, err := h.run("Subject: cron\n\nnightly report\n", "sendmail", "root"); err != nil || out != "" {
		t.Fatalf("sendmail root: %v %q", err, out)
	}
	cron := seedSinkMessage(t, sink, "Subject: cron")
	if !strings.Contains(cron, "X-Mail-Args: <root@example.com>") || !strings.Contains(cron, "X-Rcpt-Args: <root@example.com>") ||
		!strings.Contains(cron, "\nFrom: root <root@example.com>") {
		t.Errorf("unqualified names did not get $myorigin:\n%s", cron)
	}
	h.waitLog(t, `postfix/qmgr\[\d+\]: [0-9A-F]+: removed`)
}

// seedPostconfOracle compares what Postern's postconf prints on standard
// output with the real Postfix's postconf on the same main.cf.
func seedPostconfOracle(t *testing.T, h *seedHost, args ...string) {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/postconf"); err != nil {
		t.Log("no /usr/sbin/postconf: postconf not compared")
		return
	}
	cmd := exec.Command(h.program("postconf"), append([]string{"-c", h.inst.ConfigDir}, args...)...)
	ours, err := cmd.Output()
	if err != nil {
		t.Fatalf("postconf %v: %v", args, err)
	}
	theirs, err := exec.Command("/usr/sbin/postconf", append([]string{"-c", h.inst.ConfigDir}, args...)...).Output()
	if err != nil {
		t.Fatalf("Postfix's postconf %v: %v", args, err)
	}
	if string(ours) != string(theirs) {
		t.Errorf("postconf %v differs\nPostern:\n%s\nPostfix:\n%s", args, ours, theirs)
	}
}
