package smtpd

import "testing"

func TestSmoke(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	if r := c.reply(); r != "220 mx.example.com ESMTP Postfix" {
		t.Fatalf("banner %q", r)
	}
	t.Log(c.cmd("EHLO foo"))
	c.expect("MAIL FROM:<a@b.example>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<x@other.example>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	c.expect("Subject: hi\r\n\r\nbody\r\n..dot\r\n.", "250 2.0.0 Ok: queued as QID001")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	for _, l := range ts.log.all() {
		t.Log(l)
	}
	t.Logf("%q", ts.q.msgs[0].content.String())
}
