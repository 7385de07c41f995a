package tests

// The guide's "Configuring Postfix as a destination for multiple
// domains" (virtual alias domains in a hash: table built with postmap)
// and "Using an LDAP directory as a lookup table" (virtual_alias_maps =
// ldap:/etc/postfix/ldap-aliases.cf against a real slapd), on a fresh
// install root. See docs/seed-procedures.md.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// TestSeedVirtualAliasDomains: virtual_alias_domains and
// virtual_alias_maps = hash:/etc/postfix/virtual, the table written and
// indexed with postmap; mail to each domain lands where the table says
// (a list expands to both users), an address the table does not list is
// refused at RCPT with Postfix's 550 5.1.1, and a new entry works as
// soon as postmap has rebuilt the table, without a reload.
func TestSeedVirtualAliasDomains(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	u1, u2 := h.seedUser(t, "v1"), h.seedUser(t, "v2")
	seedLocalServer(t, h)
	h.postconf(t, "virtual_alias_domains = example.net, example.org")
	h.postconf(t, "virtual_alias_maps = hash:"+h.path("/etc/postfix/virtual"))
	h.write(t, "/etc/postfix/virtual", fmt.Sprintf("info@example.net   %[1]s\nsales@example.net  %[2]s\n"+
		"sales@example.org  %[1]s, %[2]s\npostmaster@example.org  postmaster\n", u1.name, u2.name))
	if out := h.must(t, "postmap", h.path("/etc/postfix/virtual")); out != "" {
		t.Errorf("postmap: %q", out)
	}
	if _, err := os.Stat(h.path("/etc/postfix/virtual.db")); err != nil {
		t.Errorf("postmap made no virtual.db: %v", err)
	}
	if got := h.must(t, "postmap", "-q", "sales@example.org", "hash:"+h.path("/etc/postfix/virtual")); got != u1.name+", "+u2.name+"\n" {
		t.Errorf("postmap -q sales@example.org: %q", got)
	}
	h.start(t)

	h.mustSwaks(t, "smtp", "--from", "someone@example.com", "--to", "info@example.net", "--header", "Subject: to info")
	h.mail(t, "to sales", "sales@example.net", "This is a test message")
	h.mustSwaks(t, "smtp", "--from", "someone@example.com", "--to", "sales@example.org", "--header", "Subject: to both")
	box1, box2 := h.waitMailbox(t, u1.name, 2), h.waitMailbox(t, u2.name, 2)
	if !strings.Contains(box1, "Subject: to info") || !strings.Contains(box1, "Subject: to both") ||
		!strings.Contains(box2, "Subject: to sales") || !strings.Contains(box2, "Subject: to both") {
		t.Errorf("mailboxes:\n%s\n%s", box1, box2)
	}
	h.waitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: to=<`+regexp.QuoteMeta(u1.name)+`@example\.com>, orig_to=<info@example\.net>, relay=local, .*status=sent \(delivered to mailbox\)`)

	out, err := seedSwaks(t, h.addr(t, "smtp"), "--from", "someone@example.com", "--to", "nobody@example.net")
	wantReply(t, "address not in the table", out, err,
		"550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual alias table")
	h.waitLog(t, `NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody@example\.net>: Recipient address rejected: User unknown in virtual alias table; from=<someone@example\.com> to=<nobody@example\.net> proto=ESMTP`)

	// A new alias: edit the table and run postmap again.
	f, _ := os.OpenFile(h.path("/etc/postfix/virtual"), os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "nobody@example.net  %s\n", u2.name)
	f.Close()
	h.must(t, "postmap", h.path("/etc/postfix/virtual"))
	// The daemons notice the new table by themselves (Postfix's smtpd
	// restarts, Postern's reopens it within a second): no reload.
	harness.Eventually(t, "the new alias accepted", func() bool {
		_, err := seedSwaks(t, h.addr(t, "smtp"), "--from", "someone@example.com", "--to", "nobody@example.net",
			"--header", "Subject: new alias")
		return err == nil
	})
	if box := h.waitMailbox(t, u2.name, 3); !strings.Contains(box, "Subject: new alias") {
		t.Errorf("mailbox after the new alias:\n%s", box)
	}
}

// seedLDIF writes the directory of the LDAP procedure with the names of
// the users that receive its mail.
func seedLDIF(t *testing.T, sales, catchall string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/seed/aliases.ldif")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("{SALES}", sales, "{CATCHALL}", catchall).Replace(string(data))
	path := filepath.Join(t.TempDir(), "aliases.ldif")
	e2eWrite(t, path, text)
	return path
}

// TestSeedLDAPAliases: "Using an LDAP directory as a lookup table":
// /etc/postfix/ldap-aliases.cf with server_host, search_base,
// query_filter and result_attribute as the guide writes them (the
// filter without parentheses), virtual_alias_maps =
// ldap:/etc/postfix/ldap-aliases.cf, the guide's check "postmap -q
// @example.com ldap:/etc/postfix/ldap-aliases.cf", then mail delivered
// as the directory says: two addresses of one entry to one user, the
// catch-all entry to the other.
func TestSeedLDAPAliases(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	sales, catchall := h.seedUser(t, "l1"), h.seedUser(t, "l2")
	slapd := startSeedSlapd(t, seedLDIF(t, sales.name, catchall.name))
	seedLocalServer(t, h)
	// The guide: server_host = ldap.example.com; slapd listens on a
	// loopback port.
	h.write(t, "/etc/postfix/ldap-aliases.cf", "server_host = 127.0.0.1\nserver_port = "+strconv.Itoa(slapd.port)+"\n"+
		"search_base = dc=example,dc=com\nquery_filter = mailacceptinggeneralid=%s\nresult_attribute = maildrop\n")
	table := "ldap:" + h.path("/etc/postfix/ldap-aliases.cf")
	h.postconf(t, "virtual_alias_maps = "+table)
	if got, err := h.run("", "postmap", "-q", "@example.com", table); err != nil || got != catchall.name+"@localhost\n" {
		t.Errorf("postmap -q @example.com %s: %v %q", table, err, got)
	}
	if got, err := h.run("", "postmap", "-q", "orders@example.com", table); err != nil || got != sales.name+"@localhost\n" {
		t.Errorf("postmap -q orders@example.com: %v %q", err, got)
	}
	if got, err := h.run("", "postmap", "-q", "nobody@example.org", table); err == nil || got != "" {
		t.Errorf("postmap -q nobody@example.org: %v %q, want status 1 and no output", err, got)
	}
	seedLDAPOracle(t, h, table, "@example.com", "orders@example.com", "nobody@example.org")
	h.start(t)

	h.mustSwaks(t, "smtp", "--from", "someone@example.net", "--to", "sales@example.com", "--header", "Subject: to sales")
	h.mail(t, "to orders", "orders@example.com", "This is a test message")
	h.mustSwaks(t, "smtp", "--from", "someone@example.net", "--to", "whoever@example.com", "--header", "Subject: to anyone")
	box := h.waitMailbox(t, sales.name, 2)
	if !strings.Contains(box, "Subject: to sales") || !strings.Contains(box, "Subject: to orders") {
		t.Errorf("%s's mailbox:\n%s", sales.name, box)
	}
	if box := h.waitMailbox(t, catchall.name, 1); !strings.Contains(box, "Subject: to anyone") {
		t.Errorf("%s's mailbox:\n%s", catchall.name, box)
	}
	h.waitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: to=<`+regexp.QuoteMeta(sales.name)+`@localhost>, orig_to=<sales@example\.com>, relay=local, .*status=sent \(delivered to mailbox\)`)
}

// seedLDAPOracle compares Postern's "postmap -q KEY ldap:FILE" with the
// real Postfix's on the same table file, when this host's
// Postfix has the ldap table type.
func seedLDAPOracle(t *testing.T, h *seedHost, table string, keys ...string) {
	t.Helper()
	types, err := exec.Command("/usr/sbin/postconf", "-m").Output()
	if err != nil || !strings.Contains(string(types), "\nldap\n") {
		t.Log("no Postfix with ldap tables on this host: postmap -q not compared")
		return
	}
	// Postfix's own defaults (an empty main.cf), so that it finds its
	// ldap plugin through /etc/postfix/dynamicmaps.cf.
	conf := t.TempDir()
	e2eWrite(t, filepath.Join(conf, "main.cf"), "")
	for _, key := range keys {
		ours, errOurs := h.run("", "postmap", "-q", key, table)
		cmd := exec.Command("/usr/sbin/postmap", "-c", conf, "-q", key, table)
		theirs, errTheirs := cmd.CombinedOutput()
		if ours != string(theirs) || (errOurs == nil) != (errTheirs == nil) {
			t.Errorf("postmap -q %s: Postern %q (%v), Postfix %q (%v)", key, ours, errOurs, theirs, errTheirs)
		}
	}
}
