package smtpd

import (
	"strings"
	"testing"
)

func unlistedSession(t *testing.T, extra map[string]string) *checkSession {
	dir := tables(t, map[string]string{"users": "known x\n", "valias": "va@valias.test known@example.com\n",
		"vmbox": "vm@vmbox.test x\n", "relay": "ru@relay.test x\n", "canon": "canon@example.com known@example.com\n"})
	settings := map[string]string{
		"local_recipient_maps": "texthash:" + dir + "/users", "virtual_alias_domains": "valias.test",
		"virtual_alias_maps": "texthash:" + dir + "/valias", "virtual_mailbox_domains": "vmbox.test",
		"virtual_mailbox_maps": "texthash:" + dir + "/vmbox", "relay_domains": "relay.test",
		"relay_recipient_maps": "texthash:" + dir + "/relay", "canonical_maps": "texthash:" + dir + "/canon",
		"recipient_delimiter": "+", "myorigin": "example.com",
	}
	for k, v := range extra {
		settings[k] = v
	}
	return newCheckSession(t, settings)
}

func TestRejectUnlistedRecipient(t *testing.T) {
	cs := unlistedSession(t, nil)
	cs.mail("c.test", "a@b.test")
	for _, c := range []struct{ rcpt, want string }{
		{"known@example.com", ""}, {"known+ext@example.com", ""}, {"known", ""}, {"canon@example.com", ""},
		{"postmaster@example.com", ""}, {"MAILER-DAEMON@example.com", ""}, {"double-bounce@example.com", ""},
		{"postmaster", ""}, {"va@valias.test", ""}, {"vm@vmbox.test", ""}, {"ru@relay.test", ""},
		{"unknown@example.com", "550 5.1.1 <unknown@example.com>: Recipient address rejected: User unknown in local recipient table"},
		{"nova@valias.test", "550 5.1.1 <nova@valias.test>: Recipient address rejected: User unknown in virtual alias table"},
		{"novm@vmbox.test", "550 5.1.1 <novm@vmbox.test>: Recipient address rejected: User unknown in virtual mailbox table"},
		{"noru@relay.test", "550 5.1.1 <noru@relay.test>: Recipient address rejected: User unknown in relay recipient table"},
	} {
		if got := cs.rcpt(c.rcpt); got != c.want {
			t.Errorf("%s: got %q, want %q", c.rcpt, got, c.want)
		}
	}
}

func TestRejectUnlistedSenderAndOptions(t *testing.T) {
	cs := unlistedSession(t, map[string]string{"smtpd_reject_unlisted_sender": "yes",
		"show_user_unknown_table_name": "no", "unknown_local_recipient_reject_code": "450"})
	if got := cs.mail("c.test", "nobody@example.com").rcpt("known@example.com"); got != "450 4.1.0 <nobody@example.com>: Sender address rejected: User unknown" {
		t.Errorf("unlisted sender: %q", got)
	}
	off := unlistedSession(t, map[string]string{"smtpd_reject_unlisted_recipient": "no"})
	if got := off.mail("c.test", "a@b.test").rcpt("unknown@example.com"); got != "" {
		t.Errorf("smtpd_reject_unlisted_recipient = no: %q", got)
	}
	explicit := unlistedSession(t, map[string]string{"smtpd_reject_unlisted_recipient": "no",
		"smtpd_recipient_restrictions": "reject_unlisted_recipient, reject_unauth_destination"})
	if got := explicit.mail("c.test", "a@b.test").rcpt("unknown@example.com"); got == "" {
		t.Errorf("explicit reject_unlisted_recipient accepted")
	}
	noCheck := unlistedSession(t, map[string]string{"receive_override_options": "no_unknown_recipient_checks"})
	if got := noCheck.mail("c.test", "a@b.test").rcpt("unknown@example.com"); got != "" {
		t.Errorf("no_unknown_recipient_checks: %q", got)
	}
}

func TestUnlistedTableFailure(t *testing.T) {
	cs := newCheckSession(t, map[string]string{"local_recipient_maps": "fail:users"})
	if got := cs.mail("c.test", "a@b.test").rcpt("someone@example.com"); got != "451 4.3.0 <someone@example.com>: Temporary lookup failure" {
		t.Errorf("failing table: %q", got)
	}
}

func TestUnlistedPasswd(t *testing.T) {
	cs := newCheckSession(t, map[string]string{"local_recipient_maps": "proxy:unix:passwd.byname",
		"proxy_read_maps": "proxy:unix:passwd.byname"})
	cs.mail("c.test", "a@b.test")
	if got := cs.rcpt("root@example.com"); got != "" {
		t.Errorf("root: %q", got)
	}
	if got := cs.rcpt("no-such-user-here@example.com"); got == "" {
		t.Errorf("unknown user accepted")
	}
}

func TestSenderLoginMismatch(t *testing.T) {
	dir := tables(t, map[string]string{"logins": "alice@example.com alice, ALICE2\nshared@example.com bob alice\n"})
	// The SASL server itself is not needed: the login name is set below.
	cs := newCheckSession(t, map[string]string{"smtpd_sender_login_maps": "texthash:" + dir + "/logins",
		"smtpd_sender_restrictions": "reject_sender_login_mismatch"})
	cs.rp().saslEnable = true
	for _, c := range []struct{ login, sender, want string }{
		{"alice", "alice@example.com", ""},
		{"Alice2", "alice@example.com", ""},
		{"bob", "shared@example.com", ""},
		{"bob", "alice@example.com", "553 5.7.1 <alice@example.com>: Sender address rejected: not owned by user bob"},
		{"bob", "unlisted@example.com", "553 5.7.1 <unlisted@example.com>: Sender address rejected: not owned by user bob"},
		{"", "alice@example.com", "553 5.7.1 <alice@example.com>: Sender address rejected: not logged in"},
		{"", "unlisted@example.com", ""},
		{"bob", "", ""},
	} {
		cs.saslUsername, cs.saslMethod = c.login, ""
		if c.login != "" {
			cs.saslMethod = "PLAIN"
		}
		if got := cs.mail("c.test", c.sender).rcpt("user@example.com"); got != c.want {
			t.Errorf("%q as %q: got %q, want %q", c.sender, c.login, got, c.want)
		}
	}
	known := newCheckSession(t, map[string]string{"smtpd_sender_login_maps": "texthash:" + dir + "/logins",
		"smtpd_sender_restrictions": "reject_known_sender_login_mismatch"})
	known.rp().saslEnable = true
	known.saslUsername, known.saslMethod = "bob", "PLAIN"
	if got := known.mail("c.test", "unlisted@example.com").rcpt("user@example.com"); got != "" {
		t.Errorf("known mismatch, unlisted sender: %q", got)
	}
	nosasl := newCheckSession(t, map[string]string{"smtpd_sender_restrictions": "reject_sender_login_mismatch"})
	nosasl.mail("c.test", "alice@example.com").rcpt("user@example.com")
	nosasl.expectLog(t, "warning: restriction `reject_authenticated_sender_login_mismatch' ignored: no SASL support")
}

// TestUnlistedTableMissing: a table of the recipient maps check that
// could not be opened is a stand-in whose lookups fail with a retry
// error (dict_surrogate()), so the client is told to try again with
// Postfix's reply and log lines, not a configuration error.
func TestUnlistedTableMissing(t *testing.T) {
	spec := "hash:" + t.TempDir() + "/missing"
	reason := "open database " + spec[len("hash:"):] + ".db: No such file or directory"
	cs := newCheckSession(t, map[string]string{"canonical_maps": spec, "local_recipient_maps": "",
		"mynetworks": "192.0.2.0/24"})
	want := "451 4.3.0 <b@example.net>: Temporary lookup failure"
	if got := cs.mail("c.test", "a@example.com").rcpt("b@example.net"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	cs.expectLog(t, "warning: "+reason, "warning: "+spec+" is unavailable. "+reason,
		`warning: `+spec+` lookup error for "b@example.net"`,
		"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: "+want+"; from=<a@example.com> to=<b@example.net> proto=ESMTP helo=<c.test>")
}

// TestMatchListTableMissing: a table in mynetworks that could not be
// opened does not stop smtpd: it is opened once for every list that
// names it (one "error:" record, here a warning of the test logger),
// and permit_mynetworks fails with a retry error and Postfix's
// match_error() warning.
func TestMatchListTableMissing(t *testing.T) {
	spec := "hash:" + t.TempDir() + "/missing"
	reason := "open database " + spec[len("hash:"):] + ".db: No such file or directory"
	cs := newCheckSession(t, map[string]string{"mynetworks": spec,
		"smtpd_recipient_restrictions": "permit_mynetworks, reject"})
	want := "451 4.3.0 <b@example.net>: Temporary lookup failure"
	if got := cs.mail("c.test", "a@example.com").rcpt("b@example.net"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	n := 0
	for _, l := range cs.log.all() {
		if l == "warning: "+reason {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d open error records, want 1:\n%s", n, strings.Join(cs.log.all(), "\n"))
	}
	cs.expectLog(t, "warning: "+spec+" is unavailable. "+reason, "warning: mynetworks: "+spec+": table lookup problem",
		"info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: "+want+"; from=<a@example.com> to=<b@example.net> proto=ESMTP helo=<c.test>")
}
