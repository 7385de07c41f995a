package tests

// The guide's "Delivering email from Postfix to Dovecot running on the
// same host" (LMTP on the UNIX socket private/dovecot-lmtp, owned by
// postfix) and "... on a different host" (LMTP over TCP), for a local
// user (mailbox_transport) and a virtual mailbox domain
// (virtual_transport); the mail is read back over IMAP with curl, as a
// mail client would. See docs/seed-procedures.md.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// seedLMTPServer configures the local server with a virtual mailbox
// domain example.net (carol) and Dovecot's users: the local user u and
// carol, password "secret".
func seedLMTPServer(t *testing.T) (*seedHost, *seedDovecot, localUser) {
	t.Helper()
	h := newSeedHost(t)
	u := h.seedUser(t, "d1")
	d := startSeedDovecot(t, h.inst.QueueDir, map[string]string{u.name: "secret", "carol": "secret"})
	seedLocalServer(t, h)
	h.postconf(t, "virtual_mailbox_domains = example.net")
	h.write(t, "/etc/postfix/vmailbox", "carol@example.net  OK\n")
	h.must(t, "postmap", h.path("/etc/postfix/vmailbox"))
	h.postconf(t, "virtual_mailbox_maps = hash:"+h.path("/etc/postfix/vmailbox"))
	return h, d, u
}

// seedLMTPDeliver sends one message to the local user and one to the
// virtual one and reads both back over IMAP; relay is the relay= of the
// lmtp log lines.
func seedLMTPDeliver(t *testing.T, h *seedHost, d *seedDovecot, u localUser, relay string) {
	t.Helper()
	h.mail(t, "to the local user", u.name+"@example.com", "This is a test message")
	h.mustSwaks(t, "smtp", "--from", "someone@example.org", "--to", "carol@example.net", "--header", "Subject: to carol")
	for _, rcpt := range []string{u.name + "@example.com", "carol@example.net"} {
		h.waitLog(t, `postfix/lmtp\[\d+\]: [0-9A-F]+: to=<`+regexp.QuoteMeta(rcpt)+`>, relay=`+regexp.QuoteMeta(relay)+
			`, delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 <`+regexp.QuoteMeta(rcpt)+`> \S+ Saved\)`)
	}
	msg := d.waitIMAP(t, h, u.name, "secret", 1, "Subject: to the local user")
	if !strings.Contains(msg, "This is a test message") || !strings.Contains(msg, "Delivered-To: "+u.name+"@example.com") {
		t.Errorf("IMAP %s UID 1:\n%s", u.name, msg)
	}
	d.waitIMAP(t, h, "carol", "secret", 1, "Subject: to carol")
	if out, err := d.imapFetch("carol", "wrong", 1); err == nil {
		t.Errorf("IMAP with a wrong password succeeded: %q", out)
	}
}

// TestSeedDovecotSameHost: mailbox_transport and virtual_transport =
// lmtp:unix:private/dovecot-lmtp, the socket Dovecot creates in the
// queue directory, relative to it as the guide writes it.
func TestSeedDovecotSameHost(t *testing.T) {
	t.Parallel()
	h, d, u := seedLMTPServer(t)
	h.postconf(t, "mailbox_transport = lmtp:unix:private/dovecot-lmtp")
	h.postconf(t, "virtual_transport = lmtp:unix:private/dovecot-lmtp")
	h.start(t)
	// Postfix's lmtp names a UNIX-domain peer $myhostname[path].
	seedLMTPDeliver(t, h, d, u, "smtp.example.com[private/dovecot-lmtp]")
}

// TestSeedDovecotOtherHost: the same over TCP, lmtp:inet:HOST:PORT
// (the guide: lmtp:inet:dovecot.example.com:24; Dovecot's LMTP
// inet_listener is on a loopback port here).
func TestSeedDovecotOtherHost(t *testing.T) {
	t.Parallel()
	h, d, u := seedLMTPServer(t)
	nexthop := fmt.Sprintf("lmtp:inet:127.0.0.1:%d", d.lmtpPort)
	h.postconf(t, "mailbox_transport = "+nexthop)
	h.postconf(t, "virtual_transport = "+nexthop)
	h.start(t)
	seedLMTPDeliver(t, h, d, u, "127.0.0.1[127.0.0.1]:"+strconv.Itoa(d.lmtpPort))
}
