package tests

// anvil away must never block mail: killed (the master starts a new one
// and the limits work again), stopped (each smtpd waits at most the
// client timeout, then goes on without limits), or not configured.

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// anvilInstance starts Postern with one limited smtpd service, a queue
// manager and, unless withoutAnvil, anvil.
func anvilInstance(t *testing.T, withoutAnvil bool, extra ...string) *harness.Instance {
	master := "127.0.0.1:{port:smtp} inet n - n - - smtpd\nqmgr unix n - n 300 1 qmgr\n"
	if !withoutAnvil {
		master += "anvil unix - - n - 1 anvil\n"
	}
	main := append(append([]string{}, anvilMainCF...), "smtpd_client_connection_count_limit = 2",
		"smtpd_client_message_rate_limit = 100", "minimal_backoff_time = 300s")
	inst := harness.Start(t, append(main, extra...), master)
	inst.WaitListen(t, "smtp")
	return inst
}

// sendMail runs one transaction on c and returns the final reply.
func (s *smtpConn) sendMail() string {
	for _, c := range []string{"MAIL FROM:<a@example.org>", "RCPT TO:<b@example.com>", "DATA"} {
		if r := s.cmd(c); r[0] != '2' && r[0] != '3' {
			return c + ": " + r
		}
	}
	return s.cmd("Subject: test\r\n\r\nhello\r\n.")
}

func anvilQueued(r string) bool { return strings.HasPrefix(r, "250 2.0.0 Ok: queued as ") }

func anvilPID(t *testing.T, inst *harness.Instance) int {
	t.Helper()
	var pid int
	harness.Eventually(t, "an anvil process", func() bool {
		p := inst.Children("anvil")
		if len(p) == 1 {
			pid = p[0].PID
		}
		return len(p) == 1
	})
	return pid
}

// TestAnvilKilled: anvil killed in the middle of a session. The
// session's next request reconnects to the anvil the master starts in
// its place; mail is accepted throughout; the connection count limit
// holds again with the new anvil's counts.
//
// XXX: Postern's master counts a multi-server's clients as used only
// when they finish, so an anvil killed before any of its clients went
// away counts as "bad command startup" and is throttled for
// $service_throttle_time; Postfix's multi-server reports each accept and
// is restarted at once. The test shortens the throttle and says when it
// happened.
func TestAnvilKilled(t *testing.T) {
	inst := anvilInstance(t, false, "service_throttle_time = 2s")
	a := dialSMTP(t, inst.Addr(t, "smtp"))
	a.reply()
	a.cmd("EHLO client.example")
	if r := a.sendMail(); !anvilQueued(r) {
		t.Fatalf("before the kill: %q", r)
	}
	old := anvilPID(t, inst)
	syscall.Kill(old, syscall.SIGKILL)
	inst.WaitLog(t, `warning: process \S+/anvil pid `+strconv.Itoa(old)+` killed by signal 9`)
	start := time.Now()
	if r := a.sendMail(); !anvilQueued(r) {
		t.Errorf("same session after the kill: %q", r)
	}
	t.Logf("first mail after the kill took %v", time.Since(start).Round(time.Millisecond))
	b := dialSMTP(t, inst.Addr(t, "smtp"))
	if r := b.reply(); !strings.HasPrefix(r, "220 ") {
		t.Fatalf("new session after the kill: %q", r)
	}
	b.cmd("EHLO client.example")
	if r := b.sendMail(); !anvilQueued(r) {
		t.Errorf("new session after the kill: %q", r)
	}
	if pid := anvilPID(t, inst); pid == old {
		t.Error("no new anvil")
	}
	// a (re-registered by its MAIL) and b hold the two connections.
	c := dialSMTP(t, inst.Addr(t, "smtp"))
	if r := c.reply(); r != "421 4.7.0 mx.example.test Error: too many connections from 127.0.0.1" {
		t.Errorf("third connection with the new anvil: %q", r)
	}
	if strings.Contains(inst.Log(), "anvil: bad command startup -- throttling") {
		t.Log("the master throttled the killed anvil (see the XXX above)")
	}
	if strings.Contains(inst.Log(), "problem talking to server") {
		t.Errorf("the reconnect was logged as a problem:\n%s", inst.Log())
	}
}

// TestAnvilStopped: an anvil that accepts connections but never answers
// (SIGSTOP) delays each new smtpd process by at most the client timeout
// (pkg/anvil ClientTimeout, 5 s), once, and mail is accepted without
// limits. Postfix's smtpd would wait $ipc_timeout (3600 s).
func TestAnvilStopped(t *testing.T) {
	inst := anvilInstance(t, false)
	a := dialSMTP(t, inst.Addr(t, "smtp"))
	a.reply()
	a.cmd("QUIT")
	pid := anvilPID(t, inst)
	syscall.Kill(pid, syscall.SIGSTOP)
	defer syscall.Kill(pid, syscall.SIGCONT)
	var conns []*smtpConn
	start := time.Now()
	for i := 0; i < 3; i++ { // more than the count limit: no limit now
		c := dialSMTP(t, inst.Addr(t, "smtp"))
		if r := c.reply(); !strings.HasPrefix(r, "220 ") {
			t.Fatalf("session %d with anvil stopped: %q", i, r)
		}
		conns = append(conns, c)
	}
	t.Logf("three greetings with anvil stopped after %v", time.Since(start).Round(time.Millisecond))
	conns[2].cmd("EHLO client.example")
	if r := conns[2].sendMail(); !anvilQueued(r) {
		t.Errorf("mail with anvil stopped: %q", r)
	}
	inst.WaitLog(t, `postfix/smtpd\[\d+\]: warning: problem talking to server private/anvil: Connection timed out`)
}

// TestAnvilNotConfigured: no anvil in master.cf. Every smtpd process
// says so and accepts mail.
func TestAnvilNotConfigured(t *testing.T) {
	inst := anvilInstance(t, true)
	for i := 0; i < 3; i++ {
		c := dialSMTP(t, inst.Addr(t, "smtp"))
		if r := c.reply(); !strings.HasPrefix(r, "220 ") {
			t.Fatalf("session %d: %q", i, r)
		}
		defer c.cmd("QUIT")
		if i == 2 {
			c.cmd("EHLO client.example")
			if r := c.sendMail(); !anvilQueued(r) {
				t.Errorf("mail without anvil: %q", r)
			}
		}
	}
	inst.WaitLog(t, `postfix/smtpd\[\d+\]: warning: connect to private/anvil: No such file or directory`)
	inst.WaitLog(t, `postfix/smtpd\[\d+\]: warning: problem talking to server private/anvil: No such file or directory`)
}
