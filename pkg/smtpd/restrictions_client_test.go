package smtpd

import "testing"

func TestUnknownClientName(t *testing.T) {
	cs := newCheckSession(t, map[string]string{"smtpd_client_restrictions": "reject_unknown_reverse_client_hostname, " +
		"reject_unknown_client_hostname", "unknown_client_reject_code": "550"})
	for _, c := range []struct {
		name, rev nameStatus
		want      string
	}{
		{nameOK, nameOK, ""},
		{nameForged, nameOK, "550 5.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]"},
		{nameTemp, nameOK, "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]"},
		{namePerm, namePerm, "550 5.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]"},
		{nameTemp, nameTemp, "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]"},
	} {
		cs.client.nameStat, cs.client.revStat = c.name, c.rev
		if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != c.want {
			t.Errorf("%d/%d: got %q, want %q", c.name, c.rev, got, c.want)
		}
	}
}

func TestMultiRecipientBounceAndNakedIP(t *testing.T) {
	cs := newCheckSession(t, map[string]string{"smtpd_recipient_restrictions": "reject_multi_recipient_bounce, " +
		"reject_unauth_destination", "smtpd_helo_restrictions": "permit_naked_ip_address, reject"})
	cs.mail("192.0.2.9", "")
	if got := cs.rcpt("user@example.com"); got != "" {
		t.Errorf("first bounce recipient: %q", got)
	}
	cs.tx.rcptCount = 1
	if got := cs.rcpt("user2@example.com"); got != "550 5.5.3 <user2@example.com>: Recipient address rejected: Multi-recipient bounce" {
		t.Errorf("second bounce recipient: %q", got)
	}
	cs.expectLog(t, "warning: restriction permit_naked_ip_address is deprecated. Use permit_mynetworks or permit_sasl_authenticated instead")
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "554 5.7.1 <c.test>: Helo command rejected: Access denied" {
		t.Errorf("named HELO: %q", got)
	}
}

func TestRejectPlaintextSession(t *testing.T) {
	cs := newCheckSession(t, map[string]string{"smtpd_client_restrictions": "reject_plaintext_session"})
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "450 4.7.1 Session encryption is required" {
		t.Errorf("plaintext: %q", got)
	}
	cs.tls = &tlsSession{}
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "" {
		t.Errorf("TLS: %q", got)
	}
}
