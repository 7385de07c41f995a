package smtpd

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRecipientLimitAndOvershoot(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_recipient_limit": "1", "smtpd_recipient_overshoot_limit": "1"}, []exchange{
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<u1@example.com>", "250 2.1.5 Ok"},
		{"RCPT TO:<u2@example.com>", "452 4.5.3 Error: too many recipients"},
		{"RCPT TO:<u3@example.com>", "452 4.5.3 Error: too many recipients"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	// The first overshoot is forgiven, the second counts as an error.
	ts.waitLog(t, "info: disconnect from unknown[127.0.0.1] mail=1 rcpt=2/3 quit=1 commands=4/5")
}

func TestErrorLimitsAndSleep(t *testing.T) {
	var sleeps atomic.Int32
	ts := startServer(t, map[string]string{"smtpd_soft_error_limit": "2", "smtpd_hard_error_limit": "3",
		"smtpd_error_sleep_time": "7s"}, func(d *Deps) {
		d.Sleep = func(d time.Duration) {
			if d == 7*time.Second {
				sleeps.Add(1)
			}
		}
	})
	c := ts.dial(t)
	c.reply()
	c.expect("FOO", "500 5.5.2 Error: command not recognized")
	c.expect("FOO", "500 5.5.2 Error: command not recognized")
	c.expect("FOO", "500 5.5.2 Error: command not recognized")
	if r := c.reply(); r != "421 4.7.0 mx.example.com Error: too many errors" {
		t.Errorf("got %q", r)
	}
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: too many errors after UNKNOWN from unknown[127.0.0.1]")
	if n := sleeps.Load(); n != 2 { // before the third 500 and the 421
		t.Errorf("slept %d times", n)
	}
}

func TestJunkCommandLimit(t *testing.T) {
	ts := runExchanges(t, map[string]string{"smtpd_junk_command_limit": "2", "smtpd_hard_error_limit": "2"}, []exchange{
		{"NOOP", "250 2.0.0 Ok"}, {"NOOP", "250 2.0.0 Ok"}, {"NOOP", "250 2.0.0 Ok"},
		{"NOOP", "250 2.0.0 Ok"}, {"NOOP", "250 2.0.0 Ok"},
		{readOnly, "421 4.7.0 mx.example.com Error: too many errors"},
	})
	ts.waitLog(t, "info: disconnect from unknown[127.0.0.1] noop=5 commands=5")
}

func TestLineLengthLimit(t *testing.T) {
	ts := runExchanges(t, map[string]string{"line_length_limit": "512"}, []exchange{
		{"NOOP " + strings.Repeat("x", 600), "250 2.0.0 Ok"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "warning: unknown[127.0.0.1]: request longer than 512: NOOP xxxxxxxxxxxxxxxxxxxxxxxxx...")
}

func TestMessageSizeLimit(t *testing.T) {
	body := strings.Repeat(strings.Repeat("y", 98)+"\r\n", 11) + "."
	ts := runExchanges(t, map[string]string{"message_size_limit": "1000"}, []exchange{
		{"EHLO c", strings.Replace(ehloReply, "SIZE 10240000", "SIZE 1000", 1)},
		{"MAIL FROM:<a@b.example> SIZE=1001", "552 5.3.4 Message size exceeds fixed limit"},
		{"MAIL FROM:<a@b.example> SIZE=1000", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"DATA", "354 End data with <CR><LF>.<CR><LF>"},
		{body, "552 5.3.4 Error: message file too big"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"RCPT TO:<user@example.com>", "250 2.1.5 Ok"},
		{"BDAT 1001 LAST\r\n" + strings.Repeat("z", 1000) + "\n", "552 5.3.4 Chunk exceeds message size limit"},
		{"MAIL FROM:<a@b.example>", "250 2.1.0 Ok"},
		{"QUIT", "221 2.0.0 Bye"},
	})
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "warning: QID001: queue file size limit exceeded")
	ts.log.has(t, "warning: QID002: BDAT request from unknown[127.0.0.1] exceeds message size limit")
	ts.log.has(t, "info: NOQUEUE: reject: MAIL from unknown[127.0.0.1]: 552 5.3.4 Message size exceeds fixed limit; "+
		"from=<a@b.example> proto=ESMTP helo=<c>")
	if len(ts.q.committed()) != 0 {
		t.Error("a message too big was queued")
	}
}

func TestQueueMinfree(t *testing.T) {
	ts := startServer(t, map[string]string{"queue_minfree": "5000000"})
	ts.free.Store(5000000)
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@b.example>", "452 4.3.1 Insufficient system storage")
	ts.free.Store(5000001 + 10240000*3/2)
	c.expect("MAIL FROM:<a@b.example>", "250 2.1.0 Ok")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "warning: not enough free space in mail queue: 5000000 bytes < 1.5*message size limit")
	ts.log.has(t, "info: NOQUEUE: reject: MAIL from unknown[127.0.0.1]: 452 4.3.1 Insufficient system storage; proto=SMTP")
}

func TestTimeout(t *testing.T) {
	ts := startServer(t, map[string]string{"smtpd_timeout": "1s"})
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@b.example>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<user@example.com>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	c.send("Subject: x\r\n\r\nbody")
	if r := c.reply(); r != "421 4.4.2 mx.example.com Error: timeout exceeded" {
		t.Errorf("got %q", r)
	}
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: timeout after DATA (14 bytes) from unknown[127.0.0.1]")
	if m := ts.q.msgs[0]; m.done != "abort" {
		t.Errorf("queue file %q", m.done)
	}
}

func TestLostConnection(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO c", ehloReply)
	c.send("QUIT") // no CRLF: cut off by EOF, so not a command
	c.conn.Close()
	ts.waitLog(t, "info: disconnect")
	ts.log.has(t, "info: lost connection after EHLO from unknown[127.0.0.1]")
	ts.log.has(t, "info: disconnect from unknown[127.0.0.1] ehlo=1 commands=1")
}
