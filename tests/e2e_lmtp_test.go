package tests

// End to end into a real Dovecot over LMTP, as the Dovecot wiki and Red
// Hat's guide configure it: local users through local(8) and
// mailbox_transport, virtual mailbox domains through virtual_transport,
// each with the UNIX-socket form (lmtp:unix:private/dovecot-lmtp, a
// socket in Postern's queue directory) and the TCP form
// (lmtp:inet:127.0.0.1:PORT). The messages are read back through
// Dovecot (doveadm fetch).

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

func TestE2EDovecotLMTP(t *testing.T) {
	t.Parallel()
	unix, inet := "lmtp:unix:private/dovecot-lmtp", "lmtp:inet:127.0.0.1:{port:dovecot}"
	for _, c := range []struct{ name, mailbox, virtual string }{
		{"mailbox-unix-virtual-inet", unix, inet},
		{"mailbox-inet-virtual-unix", inet, unix},
	} {
		t.Run(c.name, func(t *testing.T) { testDovecotLMTP(t, c.mailbox, c.virtual) })
	}
}

func testDovecotLMTP(t *testing.T, mailboxTransport, virtualTransport string) {
	inst := harness.New(t, nil, e2eMasterCF(t))
	aliases := filepath.Join(inst.Dir, "aliases")
	e2eWrite(t, aliases, "postmaster: alice\n")
	// alice has no UNIX account: smtpd knows her from a table, as
	// LOCAL_RECIPIENT_README has it for mailbox_transport users.
	users := filepath.Join(inst.Dir, "local-users")
	e2eWrite(t, users, "alice x\n")
	vmailbox := filepath.Join(inst.Dir, "vmailbox")
	e2eWrite(t, vmailbox, "carol@virt.example carol/\n")
	inst.WriteMainCF(t, []string{
		"myhostname = mail.example.com",
		"mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain",
		"alias_maps = hash:" + aliases,
		"alias_database = hash:" + aliases,
		"local_recipient_maps = texthash:" + users + " $alias_maps",
		"mailbox_transport = " + mailboxTransport,
		"virtual_mailbox_domains = virt.example",
		"virtual_mailbox_maps = texthash:" + vmailbox,
		"virtual_transport = " + virtualTransport,
	})
	bin := harness.Build(t, "postalias")
	if out, err := exec.Command(filepath.Join(bin, "postalias"), "-c", inst.ConfigDir, aliases).CombinedOutput(); err != nil {
		t.Fatalf("postalias: %v\n%s", err, out)
	}
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	sock := filepath.Join(inst.QueueDir, "private", "dovecot-lmtp")
	d := startE2EDovecot(t, sock, inst.Ports["dovecot"], "alice", "carol")

	relay := map[string]string{
		"unix": `mail\.example\.com\[private/dovecot-lmtp\]`,
		"inet": `127\.0\.0\.1\[127\.0\.0\.1\]:` + regexp.QuoteMeta(d.addr()[len("127.0.0.1:"):]),
	}
	form := func(transport string) string {
		if transport == "lmtp:unix:private/dovecot-lmtp" {
			return "unix"
		}
		return "inet"
	}
	// The alias "postmaster: alice" is qualified with $myorigin
	// ($myhostname): alice@mail.example.com, with orig_to.
	for _, m := range []struct{ rcpt, to, user, orig, via string }{
		{"alice@example.com", "alice@example.com", "alice", "", mailboxTransport},
		{"postmaster@example.com", "alice@mail.example.com", "alice", "postmaster@example.com", mailboxTransport},
		{"carol@virt.example", "carol@virt.example", "carol", "", virtualTransport},
	} {
		tag := "lmtp " + m.rcpt
		id := e2eQueuedAs(t, e2eSwaks(t, inst, "--from", "sender@example.org", "--to", m.rcpt,
			"--header", "Subject: "+tag))
		got := d.waitFetch(t, inst, m.user, "Subject: "+tag)
		// Dovecot's Return-Path: from LMTP's MAIL FROM, Postern's
		// Received: with the queue ID.
		for _, want := range []string{"Return-Path: <sender@example.org>", "by mail.example.com (Postfix) with ESMTP id " + id} {
			if !strings.Contains(got, want) {
				t.Errorf("%s's mailbox lacks %q:\n%s", m.user, want, got)
			}
		}
		to := m.to
		orig := ""
		if m.orig != "" {
			orig = `, orig_to=<` + regexp.QuoteMeta(m.orig) + `>`
		}
		inst.WaitLog(t, `postfix/lmtp\[\d+\]: `+id+`: to=<`+regexp.QuoteMeta(to)+`>`+orig+`, relay=`+relay[form(m.via)]+
			`, delay=[0-9.]+, delays=[0-9./]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 <`+regexp.QuoteMeta(to)+`> \S+ Saved\)$`)
		inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: removed$`)
	}
	e2eQueueEmpty(t, inst)
}
