package smtpd

import (
	"strings"
	"testing"
)

// testZone is a small zone for the DNS-based restrictions.
func testZone(t *testing.T) *fakeDNS {
	f := startFakeDNS(t, "127.0.0.1:0")
	f.add("known.test", dnsTypeA, "192.0.2.10").add("mx.test", dnsTypeMX, "10 mail.mx.test").
		add("mail.mx.test", dnsTypeA, "192.0.2.20").add("nullmx.test", dnsTypeMX, "0 .").
		add("v6.test", dnsTypeAAAA, "2001:db8::1").add("txt.test", dnsTypeTXT, "no address").
		failWith("servfail.test", rcodeServFail).
		add("1.2.0.192.zen.test", dnsTypeA, "127.0.0.2").add("1.2.0.192.zen.test", dnsTypeTXT, "listed\x01here").
		add("1.2.0.192.zen.test", dnsTypeTXT, "twice").
		add("bad.test.dbl.test", dnsTypeA, "127.0.1.2").
		add("1.2.0.192.wl.test", dnsTypeA, "127.0.10.1").
		add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.test", dnsTypeA, "127.0.0.4").
		add("spam.test", dnsTypeMX, "10 mx.spammer.test").add("mx.spammer.test", dnsTypeA, "192.0.2.66").
		add("spam.test", dnsTypeNS, "ns.spammer.test").add("ns.spammer.test", dnsTypeA, "192.0.2.67")
	return f
}

func dnsSession(t *testing.T, f *fakeDNS, settings map[string]string) *checkSession {
	return newCheckSession(t, settings, func(d *Deps) { d.DNS = f.dns() })
}

func TestHeloChecks(t *testing.T) {
	f := testZone(t)
	cs := dnsSession(t, f, map[string]string{"smtpd_helo_restrictions": "reject_invalid_helo_hostname, " +
		"reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname"})
	for _, c := range []struct{ helo, want string }{
		{"known.test", ""}, {"mx.test", ""}, {"v6.test", ""}, {"nullmx.test", ""}, {"[192.0.2.1]", ""},
		{"[IPv6:2001:db8::1]", ""},
		{"bad_name!", "501 5.5.2 <bad_name!>: Helo command rejected: Invalid name"},
		{"[192.0.2.256]", "501 5.5.2 <[192.0.2.256]>: Helo command rejected: invalid ip address"},
		{"[2001:db8::1]", "501 5.5.2 <[2001:db8::1]>: Helo command rejected: invalid ip address"},
		{"nodots", "504 5.5.2 <nodots>: Helo command rejected: need fully-qualified hostname"},
		{"nx.test", "450 4.7.1 <nx.test>: Helo command rejected: Host not found"},
		{"txt.test", "450 4.7.1 <txt.test>: Helo command rejected: Host not found"},
		{"known.test.", "450 4.7.1 <known.test.>: Helo command rejected: Host not found"},
		{"servfail.test", "450 4.7.1 <servfail.test>: Helo command rejected: Host not found"},
	} {
		if got := cs.mail(c.helo, "a@b.test").rcpt("user@example.com"); got != c.want {
			t.Errorf("HELO %s: got %q, want %q", c.helo, got, c.want)
		}
	}
}

func TestAddressChecks(t *testing.T) {
	f := testZone(t)
	cs := dnsSession(t, f, map[string]string{
		"smtpd_sender_restrictions":    "reject_non_fqdn_sender, reject_unknown_sender_domain",
		"smtpd_recipient_restrictions": "reject_non_fqdn_recipient, reject_unknown_recipient_domain, permit",
		"mynetworks":                   "192.0.2.0/24"})
	for _, c := range []struct{ sender, rcpt, want string }{
		{"a@known.test", "b@mx.test", ""},
		{"a@known.test", "b@v6.test", ""},
		{"a@known.test", "user@example.com", ""},
		{"a@known.test", "b@[192.0.2.1]", ""},
		{"", "b@nullmx.test", "556 5.1.10 <b@nullmx.test>: Recipient address rejected: Domain nullmx.test does not accept mail (nullMX)"},
		{"a@nullmx.test", "b@mx.test", "550 5.7.27 <a@nullmx.test>: Sender address rejected: Domain nullmx.test does not accept mail (nullMX)"},
		{"a@nx.test", "b@mx.test", "450 4.1.8 <a@nx.test>: Sender address rejected: Domain not found"},
		{"a@known.test", "b@nx.test", "450 4.1.2 <b@nx.test>: Recipient address rejected: Domain not found"},
		{"a@known.test", "b@servfail.test", "450 4.1.2 <b@servfail.test>: Recipient address rejected: Domain not found"},
		{"a@nodots", "b@mx.test", "504 5.5.2 <a@nodots>: Sender address rejected: need fully-qualified address"},
		{"a@known.test", "b", "504 5.5.2 <b>: Recipient address rejected: need fully-qualified address"},
	} {
		if got := cs.mail("c.test", c.sender).rcpt(c.rcpt); got != c.want {
			t.Errorf("%s -> %s: got %q, want %q", c.sender, c.rcpt, got, c.want)
		}
	}
	q := strings.Join(f.queries(), " ")
	if !strings.Contains(q, "mx.test/MX") || strings.Contains(q, "example.com") {
		t.Errorf("queries: %s", q)
	}
}

func TestDNSLists(t *testing.T) {
	f := testZone(t)
	cs := dnsSession(t, f, map[string]string{
		"smtpd_client_restrictions": "reject_rbl_client zen.test=127.0.0.[2..3], reject_rhsbl_sender dbl.test=127.0.1.2",
	})
	want := "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.test; listed here / twice"
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != want {
		t.Errorf("listed client: %q", got)
	}
	cs.client.addr = "192.0.2.2"
	want = "554 5.7.1 Service unavailable; Sender address [a@bad.test] blocked using dbl.test"
	if got := cs.mail("c.test", "a@bad.test").rcpt("user@example.com"); got != want {
		t.Errorf("listed sender domain: %q", got)
	}
	cs.client.addr = "2001:db8::1"
	want = "554 5.7.1 Service unavailable; Client host [2001:db8::1] blocked using zen.test"
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "" {
		t.Errorf("IPv6 client outside the pattern: %q", got)
	}
	cs2 := dnsSession(t, f, map[string]string{"smtpd_client_restrictions": "reject_rbl_client zen.test"})
	cs2.client.addr = "2001:db8::1"
	if got := cs2.mail("c.test", "a@b.test").rcpt("user@example.com"); got != want {
		t.Errorf("IPv6 client: %q", got)
	}
	n := len(f.queries())
	cs2.mail("c.test", "a@b.test").rcpt("user@example.com")
	if len(f.queries()) != n {
		t.Errorf("no cache: %v", f.queries()[n:])
	}
}

func TestDNSAllowList(t *testing.T) {
	f := testZone(t)
	cs := dnsSession(t, f, map[string]string{
		"smtpd_client_restrictions": "permit_dnswl_client wl.test, reject", "smtpd_log_access_permit_actions": "permit_dnswl_client"})
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "" {
		t.Errorf("allow listed: %q", got)
	}
	cs.expectLog(t, "info: NOQUEUE: permit: RCPT from unknown[192.0.2.1]: action=permit_dnswl_client for "+
		"Client host=unknown[192.0.2.1] ; from=<a@b.test> to=<user@example.com> proto=ESMTP helo=<c.test>")
	// Never a permit to relay.
	if got := cs.mail("c.test", "a@b.test").rcpt("x@other.test"); got != "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied" {
		t.Errorf("relay: %q", got)
	}
}

func TestServerAccess(t *testing.T) {
	f := testZone(t)
	dir := tables(t, map[string]string{"mx": "mx.spammer.test REJECT spam mx\n", "ns": "192.0.2.67 REJECT spam ns\n",
		"a": "192.0.2.10 REJECT bad helo address\n"})
	cs := dnsSession(t, f, map[string]string{
		"smtpd_sender_restrictions": "check_sender_mx_access texthash:" + dir + "/mx, check_sender_ns_access texthash:" +
			dir + "/ns, check_helo_a_access texthash:" + dir + "/a"})
	for _, c := range []struct{ helo, sender, want string }{
		{"c.test", "a@spam.test", "554 5.7.1 <a@spam.test>: Sender address rejected: spam mx"},
		{"c.test", "a@mx.test", ""},
		{"known.test", "a@mx.test", "554 5.7.1 <known.test>: Helo command rejected: bad helo address"},
	} {
		if got := cs.mail(c.helo, c.sender).rcpt("user@example.com"); got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.helo, c.sender, got, c.want)
		}
	}
	dir2 := tables(t, map[string]string{"ok": "mx.spammer.test OK\n"})
	cs2 := dnsSession(t, f, map[string]string{"smtpd_sender_restrictions": "check_sender_mx_access texthash:" + dir2 + "/ok"})
	if got := cs2.mail("c.test", "a@spam.test").rcpt("user@example.com"); got != "451 4.3.5 Server configuration error" {
		t.Errorf("OK from an MX table: %q", got)
	}
	cs2.expectLog(t, "warning: restriction check_sender_mx_access returns OK for a@spam.test")
}
