package smtpd

import "testing"

// TestLocalRecipientMapsDefault: local_recipient_maps in its default
// form, "proxy:unix:passwd.byname $alias_maps" (the check that
// pkg/local/users also had, now only here): users of the password
// database with or without an address extension, alias names, and
// postmaster, MAILER-DAEMON and the double-bounce sender at any local
// domain are known; anyone else gets Postfix's "User unknown in local
// recipient table". An explicitly empty value checks nothing.
func TestLocalRecipientMapsDefault(t *testing.T) {
	dir := tables(t, map[string]string{"aliases": "sales root\n"})
	cs := newCheckSession(t, map[string]string{"recipient_delimiter": "+",
		"alias_maps":           "nis:mail.aliases texthash:" + dir + "/aliases",
		"local_recipient_maps": "proxy:unix:passwd.byname $alias_maps"})
	cs.mail("c.test", "a@b.test")
	unknown := func(a string) string {
		return "550 5.1.1 <" + a + ">: Recipient address rejected: User unknown in local recipient table"
	}
	for _, c := range []struct{ rcpt, want string }{
		{"root@example.com", ""}, {"Root+news@example.com", ""}, {"sales@example.com", ""},
		{"postmaster@example.com", ""}, {"mailer-daemon@example.com", ""}, {"double-bounce@example.com", ""},
		{"no-such-user-here@example.com", unknown("no-such-user-here@example.com")},
		{"postmasterx@example.com", unknown("postmasterx@example.com")},
	} {
		if got := cs.rcpt(c.rcpt); got != c.want {
			t.Errorf("%s: got %q, want %q", c.rcpt, got, c.want)
		}
	}
	empty := newCheckSession(t, map[string]string{"local_recipient_maps": ""})
	if got := empty.mail("c.test", "a@b.test").rcpt("no-such-user-here@example.com"); got != "" {
		t.Errorf("empty local_recipient_maps: %q", got)
	}
}
