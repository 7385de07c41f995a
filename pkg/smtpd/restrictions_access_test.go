package smtpd

import (
	"strings"
	"testing"
)

const accessSenders = "ok@s.test OK\nreject@s.test REJECT\ncode@s.test 550 5.1.1 no such sender\n" +
	"hold@s.test HOLD\ndiscard@s.test DISCARD\nfilter@s.test FILTER smtp:[127.0.0.1]:10025\n" +
	"redirect@s.test REDIRECT other@example.com\nbcc@s.test BCC copy@example.com\nprepend@s.test PREPEND X-Tag: yes\n" +
	"sub.s.test REJECT parent domain\nlp@ REJECT localpart\next+tag@s.test REJECT with extension\n" +
	"noext@s.test REJECT without extension\n<> REJECT null sender\nclass@s.test myclass\n" +
	"dip@s.test DEFER_IF_PERMIT\nhangup@s.test HANGUP\n"

func accessSession(t *testing.T, extra map[string]string) *checkSession {
	dir := tables(t, map[string]string{"sender": accessSenders,
		"client.cidr": "192.0.2.1 REJECT by address\n", "helo": "bad.test REJECT bad helo\n",
		"rcpt":  "rcpt@example.com REJECT no such rcpt 5.1.1\nrelay.test OK\n",
		"names": "client.test REJECT by name\n"})
	settings := map[string]string{
		"smtpd_sender_restrictions":    "check_sender_access texthash:" + dir + "/sender",
		"smtpd_recipient_restrictions": "texthash:" + dir + "/rcpt, reject_unauth_destination",
		"smtpd_restriction_classes":    "myclass", "myclass": "reject_unauth_destination",
		"recipient_delimiter": "+", "relay_domains": "relay.test",
	}
	for k, v := range extra {
		settings[k] = strings.ReplaceAll(v, "DIR", dir)
	}
	return newCheckSession(t, settings)
}

func TestAccessSenderActions(t *testing.T) {
	cs := accessSession(t, nil)
	for _, c := range []struct{ sender, want string }{
		{"ok@s.test", ""},
		{"reject@s.test", "554 5.7.1 <reject@s.test>: Sender address rejected: Access denied"},
		{"code@s.test", "550 5.1.7 <code@s.test>: Sender address rejected: no such sender"},
		{"x@sub.s.test", "554 5.7.1 <x@sub.s.test>: Sender address rejected: parent domain"},
		{"x@deep.sub.s.test", "554 5.7.1 <x@deep.sub.s.test>: Sender address rejected: parent domain"},
		{"lp@anywhere.test", "554 5.7.1 <lp@anywhere.test>: Sender address rejected: localpart"},
		{"ext+tag@s.test", "554 5.7.1 <ext+tag@s.test>: Sender address rejected: with extension"},
		{"noext+tag@s.test", "554 5.7.1 <noext+tag@s.test>: Sender address rejected: without extension"},
		{"", "554 5.7.1 <>: Sender address rejected: null sender"},
		{"class@s.test", ""}, // the class allows local recipients
		{"unlisted@s.test", ""},
	} {
		if got := cs.mail("c.test", c.sender).rcpt("user@example.com"); got != c.want {
			t.Errorf("%q: got %q, want %q", c.sender, got, c.want)
		}
	}
	if got := cs.mail("c.test", "class@s.test").rcpt("x@other.test"); got != "554 5.7.1 <x@other.test>: Relay access denied" {
		t.Errorf("class: %q", got)
	}
	if got := cs.mail("c.test", "dip@s.test").rcpt("user@example.com"); got != "450 4.7.1 <dip@s.test>: Sender address rejected: Service unavailable" {
		t.Errorf("DEFER_IF_PERMIT: %q", got)
	}
}

func TestAccessRecipientAndRelay(t *testing.T) {
	cs := accessSession(t, nil)
	cs.mail("c.test", "a@b.test")
	for _, c := range []struct{ rcpt, want string }{
		{"rcpt@example.com", "554 5.7.1 <rcpt@example.com>: Recipient address rejected: no such rcpt 5.1.1"},
		{"x@relay.test", ""},
		{"x@sub.relay.test", ""},
		{"x@other.test", "454 4.7.1 <x@other.test>: Relay access denied"},
	} {
		if got := cs.rcpt(c.rcpt); got != c.want {
			t.Errorf("%q: got %q, want %q", c.rcpt, got, c.want)
		}
	}
}

func TestAccessClientAndHelo(t *testing.T) {
	cs := accessSession(t, map[string]string{"smtpd_client_restrictions": "check_client_access cidr:DIR/client.cidr",
		"smtpd_helo_restrictions": "check_helo_access texthash:DIR/helo"})
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: by address" {
		t.Errorf("client: %q", got)
	}
	cs.client.addr, cs.client.namaddr = "192.0.2.2", "unknown[192.0.2.2]"
	if got := cs.mail("bad.test", "a@b.test").rcpt("user@example.com"); got != "554 5.7.1 <bad.test>: Helo command rejected: bad helo" {
		t.Errorf("helo: %q", got)
	}
	cs2 := accessSession(t, map[string]string{"smtpd_client_restrictions": "texthash:DIR/names"})
	cs2.client.name, cs2.client.nameStat, cs2.client.namaddr = "mx.client.test", nameOK, "mx.client.test[192.0.2.1]"
	if got := cs2.mail("c.test", "a@b.test").rcpt("user@example.com"); got != "554 5.7.1 <mx.client.test[192.0.2.1]>: Client host rejected: by name" {
		t.Errorf("client name: %q", got)
	}
}

func TestAccessDelegatedActionsReachTheQueue(t *testing.T) {
	dir := tables(t, map[string]string{"sender": accessSenders})
	ts := startServer(t, map[string]string{"smtpd_sender_restrictions": "check_sender_access texthash:" + dir + "/sender"})
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO c.test", ehloReply)
	for _, s := range []string{"hold", "discard", "filter", "redirect", "bcc", "prepend"} {
		c.expect("MAIL FROM:<"+s+"@s.test>", "250 2.1.0 Ok")
		c.expect("RCPT TO:<user@example.com>", "250 2.1.5 Ok")
		c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
		if r := c.cmd("Subject: x\r\n\r\nbody\r\n."); !strings.HasPrefix(r, "250 2.0.0 Ok: queued as ") {
			t.Fatalf("%s: %q", s, r)
		}
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	want := [][]string{{"hold"}, {"discard"}, {"attr content_filter=smtp:[127.0.0.1]:10025"},
		{"attr redirect=other@example.com"}, nil, {"prepend X-Tag: yes"}}
	msgs := ts.q.committed()
	for i, m := range msgs {
		if got := m.actions(); strings.Join(got, "|") != strings.Join(want[i], "|") {
			t.Errorf("message %d: actions %q, want %q", i, got, want[i])
		}
	}
	if r := strings.Join(msgs[4].rcpts, " "); r != "user@example.com|rfc822;user@example.com|0 copy@example.com||1" {
		t.Errorf("BCC recipients %q", r)
	}
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: NOQUEUE: filter: RCPT from unknown[127.0.0.1]: <filter@s.test>: Sender address triggers "+
		"FILTER smtp:[127.0.0.1]:10025; from=<filter@s.test> to=<user@example.com> proto=ESMTP helo=<c.test>")
}

// TestAccessEndOfDataFilter: FILTER, REDIRECT and BCC work in
// smtpd_end_of_data_restrictions too: smtpd passes them after the
// content, as Postfix's smtpd does.
func TestAccessEndOfDataFilter(t *testing.T) {
	dir := tables(t, map[string]string{"sender": accessSenders})
	ts := startServer(t, map[string]string{"smtpd_end_of_data_restrictions": "check_sender_access texthash:" + dir + "/sender"})
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO c.test", ehloReply)
	for _, s := range []string{"filter", "redirect", "bcc"} {
		c.expect("MAIL FROM:<"+s+"@s.test>", "250 2.1.0 Ok")
		c.expect("RCPT TO:<user@example.com>", "250 2.1.5 Ok")
		c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
		if r := c.cmd("Subject: x\r\n\r\nbody\r\n."); !strings.HasPrefix(r, "250 2.0.0 Ok: queued as ") {
			t.Fatalf("%s: %q", s, r)
		}
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	msgs := ts.q.committed()
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	if got := strings.Join(msgs[0].actions(), "|"); got != "attr content_filter=smtp:[127.0.0.1]:10025" {
		t.Errorf("filter: %q", got)
	}
	if got := strings.Join(msgs[1].actions(), "|"); got != "attr redirect=other@example.com" {
		t.Errorf("redirect: %q", got)
	}
	if r := strings.Join(msgs[2].rcpts, " "); r != "user@example.com|rfc822;user@example.com|0 copy@example.com||1" {
		t.Errorf("BCC recipients %q", r)
	}
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: QID001: filter: END-OF-MESSAGE from unknown[127.0.0.1]: <filter@s.test>: Sender address triggers "+
		"FILTER smtp:[127.0.0.1]:10025; from=<filter@s.test> to=<user@example.com> proto=ESMTP helo=<c.test>")
}

func TestAccessHangup(t *testing.T) {
	dir := tables(t, map[string]string{"sender": accessSenders})
	ts := runExchanges(t, map[string]string{"smtpd_sender_restrictions": "check_sender_access texthash:" + dir + "/sender"},
		[]exchange{{"MAIL FROM:<hangup@s.test>", "250 2.1.0 Ok"}, {"RCPT TO:<user@example.com>", "EOF"}})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: NOQUEUE: hangup: RCPT from unknown[127.0.0.1]: ; from=<hangup@s.test> to=<user@example.com> proto=SMTP")
	ts.log.has(t, "info: disconnect from unknown[127.0.0.1] mail=1 rcpt=0/1 commands=1/2")
}

func TestAccessTableFailures(t *testing.T) {
	cs := newCheckSession(t, map[string]string{"smtpd_sender_restrictions": "check_sender_access fail:down, " +
		"check_sender_access texthash:/nonexistent/table"})
	want := "451 4.3.5 <a@b.test>: Sender address rejected: Server configuration error"
	if got := cs.mail("c.test", "a@b.test").rcpt("user@example.com"); got != want {
		t.Errorf("fail: table: %q", got)
	}
	cs.expectLog(t, `warning: fail:down lookup error for "a@b.test"`)
	cs2 := newCheckSession(t, map[string]string{"smtpd_sender_restrictions": "check_sender_access texthash:/nonexistent/table"})
	if got := cs2.mail("c.test", "a@b.test").rcpt("user@example.com"); got != want {
		t.Errorf("missing table: %q", got)
	}
	cs2.expectLog(t, "warning: open /nonexistent/table: open /nonexistent/table: no such file or directory",
		"warning: texthash:/nonexistent/table is unavailable. open /nonexistent/table: open /nonexistent/table: no such file or directory",
		`warning: texthash:/nonexistent/table lookup error for "a@b.test"`)
}

func TestAccessNoDelayReject(t *testing.T) {
	dir := tables(t, map[string]string{"client.cidr": "127.0.0.1 HOLD\n"})
	ts := runExchanges(t, map[string]string{"smtpd_delay_reject": "no",
		"smtpd_client_restrictions": "check_client_access cidr:" + dir + "/client.cidr"}, []exchange{{"QUIT", "221 2.0.0 Bye"}})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "warning: access table cidr:"+dir+"/client.cidr: with smtpd_delay_reject=no, action HOLD is always "+
		"skipped in Client host or Helo command restrictions")
}

func TestAccessActionsWithBDAT(t *testing.T) {
	dir := tables(t, map[string]string{"sender": accessSenders})
	ts := runExchanges(t, map[string]string{"smtpd_sender_restrictions": "check_sender_access texthash:" + dir + "/sender"},
		[]exchange{
			{"MAIL FROM:<prepend@s.test>", "250 2.1.0 Ok"}, {"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
			{"BDAT 7\r\nhello\r\n", "250 2.0.0 Ok: 7 bytes"}, {"BDAT 0 LAST", "250 2.0.0 Ok: 7 bytes queued as QID001"},
			{"RSET", "250 2.0.0 Ok"},
			{"MAIL FROM:<discard@s.test>", "250 2.1.0 Ok"}, {"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
			{"BDAT 7 LAST\r\nhello\r\n", "250 2.0.0 Ok: 7 bytes queued as QID002"},
		})
	msgs := ts.q.committed()
	if len(msgs) != 2 || strings.Join(msgs[0].actions(), "|") != "prepend X-Tag: yes" ||
		strings.Join(msgs[1].actions(), "|") != "discard" {
		t.Errorf("actions: %v / %v", msgs[0].actions(), msgs[1].actions())
	}
}
