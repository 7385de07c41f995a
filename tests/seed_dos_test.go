package tests

// The guide's "Postfix configuration options for limiting DoS attacks":
// each parameter set with postconf -e and postfix reload, then provoked,
// with the exact reply (and warning) Postfix gives. The client is
// 127.0.0.1, in $mynetworks, so the rate and concurrency limits apply
// only once smtpd_client_event_limit_exceptions no longer excepts it.
// The same procedure runs against the real Postfix 3.7 (the oracle),
// so every expected reply and log line is Postfix's own. See
// docs/seed-procedures.md.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// seedMTA is what the procedure needs of a mail system: its SMTP
// address, "postconf -e" followed by "postfix reload", and its log.
type seedMTA struct {
	addr   string
	reload func(t *testing.T, settings ...string) // postconf -e; postfix reload
	log    func() string
	procs  func() []harness.Proc // the processes of the mail system
}

// set changes main.cf and reloads, then waits until the smtpd processes
// of before the reload have gone: an idle one may otherwise still take
// the next connection with the old settings (Postfix's children notice
// the reload only when they are back in their event loop).
func (m seedMTA) set(t *testing.T, settings ...string) {
	t.Helper()
	old := map[int]bool{}
	for _, p := range m.smtpds() {
		old[p.PID] = true
	}
	m.reload(t, settings...)
	harness.Eventually(t, "the smtpd processes of before the reload to exit", func() bool {
		for _, p := range m.smtpds() {
			if old[p.PID] {
				return false
			}
		}
		return true
	})
}

// smtpds lists the smtpd processes.
func (m seedMTA) smtpds() []harness.Proc {
	var out []harness.Proc
	for _, p := range m.procs() {
		if len(p.Args) > 0 && filepath.Base(p.Args[0]) == "smtpd" {
			out = append(out, p)
		}
	}
	return out
}

// waitLog waits until n lines of the log match pattern.
func (m seedMTA) waitLog(t *testing.T, pattern string, n int) {
	t.Helper()
	re := regexp.MustCompile(`(?m)` + pattern)
	deadline := time.Now().Add(harness.Timeout)
	for len(re.FindAllString(m.log(), -1)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("log has fewer than %d lines matching %q:\n%s", n, pattern, m.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// seedDoSMainCF is the local server of the guide, for both systems.
var seedDoSMainCF = []string{"myhostname = smtp.example.com", "mydomain = example.com", "myorigin = $mydomain",
	"mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain", "mynetworks = 127.0.0.0/8, [::1]/128, 192.0.2.0/24",
	"smtpd_client_connection_count_limit = 1", "smtpd_client_connection_rate_limit = 2"}

// TestSeedDoSLimits runs the procedure on a fresh Postern install.
func TestSeedDoSLimits(t *testing.T) {
	t.Parallel()
	h := newSeedHost(t)
	u := h.seedUser(t, "x1")
	h.postconf(t, seedDoSMainCF...)
	h.start(t)
	m := seedMTA{addr: h.addr(t, "smtp"), log: h.inst.Log, procs: h.inst.Processes,
		reload: func(t *testing.T, settings ...string) { h.postconf(t, settings...); h.reload(t) }}
	seedDoSProcedure(t, m, u.name)
}

// TestSeedDoSLimitsPostfix runs the same procedure on the real Postfix.
func TestSeedDoSLimitsPostfix(t *testing.T) {
	t.Parallel()
	requireSeedRoot(t)
	spool := t.TempDir()
	os.Chmod(spool, 0o1777)
	u := mkUser(t, t.TempDir(), "x2")
	pf := startE2EPostfix(t, append([]string{"mail_spool_directory = " + spool, "alias_maps =", "biff = no",
		"myhostname = smtp.example.com"}, seedDoSMainCF...), e2eMasterCF(t))
	addr := fmt.Sprintf("127.0.0.1:%d", pf.smtpPort)
	// Postfix's master passes MAIL_CONFIG to its children, as Postern's.
	m := seedMTA{addr: addr, log: pf.log, procs: (&harness.Instance{ConfigDir: pf.conf}).Processes}
	m.reload = func(t *testing.T, settings ...string) {
		t.Helper()
		if out, err := exec.Command("/usr/sbin/postconf", append([]string{"-c", pf.conf, "-e"}, settings...)...).CombinedOutput(); err != nil {
			t.Fatalf("postconf -e: %v\n%s", err, out)
		}
		n := strings.Count(pf.log(), "reload -- version")
		if out, err := pf.run("reload"); err != nil {
			t.Fatalf("postfix reload: %v\n%s", err, out)
		}
		m.waitLog(t, `reload -- version`, n+1)
	}
	seedDoSProcedure(t, m, u.name)
}

// seedDoSProcedure provokes each limit in turn; user is a local user.
func seedDoSProcedure(t *testing.T, m seedMTA, user string) {
	// By default the trusted networks are not limited.
	var trusted []net.Conn
	for i := 0; i < 3; i++ {
		c, banner := seedDialSMTP(t, m.addr)
		if !strings.HasPrefix(banner, "220 smtp.example.com ESMTP") {
			t.Fatalf("trusted client, connection %d: %q", i+1, banner)
		}
		trusted = append(trusted, c)
	}
	for _, c := range trusted {
		seedCommand(t, c, "QUIT")
		c.Close()
	}
	m.waitLog(t, `postfix/smtpd\[\d+\]: disconnect from localhost\[127\.0\.0\.1\] quit=1 commands=1$`, 3)
	m.set(t, "smtpd_client_event_limit_exceptions =")
	seedConnectionLimits(t, m)

	m.set(t, "smtpd_client_connection_count_limit = 0", "smtpd_client_connection_rate_limit = 0",
		"smtpd_client_message_rate_limit = 1")
	seedMessageRate(t, m, user)

	m.set(t, "smtpd_client_message_rate_limit = 0", "smtpd_recipient_limit = 2", "message_size_limit = 2000")
	seedRecipientAndSizeLimits(t, m, user)

	m.set(t, "smtpd_error_sleep_time = 1s", "smtpd_soft_error_limit = 1", "smtpd_hard_error_limit = 2")
	seedErrorLimits(t, m)

	m.set(t, "queue_minfree = 1000000000000000")
	c, _ := seedDialSMTP(t, m.addr)
	seedCommand(t, c, "EHLO client.example.net")
	if got := seedCommand(t, c, "MAIL FROM:<someone@example.net>"); got != "452 4.3.1 Insufficient system storage" {
		t.Errorf("MAIL with queue_minfree above the free space: %q", got)
	}
	m.waitLog(t, `NOQUEUE: reject: MAIL from localhost\[127\.0\.0\.1\]: 452 4\.3\.1 Insufficient system storage; proto=ESMTP helo=<client\.example\.net>$`, 1)
	m.waitLog(t, `postfix/smtpd\[\d+\]: warning: not enough free space in mail queue: \d+ bytes < 1\.5\*message size limit$`, 1)
	seedCommand(t, c, "QUIT")
	c.Close()

	m.set(t, "queue_minfree = 0", "default_process_limit = 1")
	seedProcessLimit(t, m)
}

// seedConnectionLimits: smtpd_client_connection_count_limit = 1 refuses
// a second simultaneous session; smtpd_client_connection_rate_limit = 2
// refuses the third connection of the minute.
func seedConnectionLimits(t *testing.T, m seedMTA) {
	t.Helper()
	service := regexp.QuoteMeta(m.addr)
	first, banner := seedDialSMTP(t, m.addr)
	if !strings.HasPrefix(banner, "220 ") {
		t.Fatalf("first connection: %q", banner)
	}
	second, banner := seedDialSMTP(t, m.addr)
	if banner != "421 4.7.0 smtp.example.com Error: too many connections from 127.0.0.1" {
		t.Errorf("second simultaneous connection: %q", banner)
	}
	m.waitLog(t, `postfix/smtpd\[\d+\]: warning: Connection concurrency limit exceeded: 2 from localhost\[127\.0\.0\.1\] for service `+service+`$`, 1)
	second.Close()
	seedCommand(t, first, "QUIT")
	first.Close()
	m.waitLog(t, `postfix/smtpd\[\d+\]: disconnect from localhost\[127\.0\.0\.1\]`, 5)
	third, banner := seedDialSMTP(t, m.addr)
	if banner != "421 4.7.0 smtp.example.com Error: too many connections from 127.0.0.1" {
		t.Errorf("third connection in a minute: %q", banner)
	}
	m.waitLog(t, `postfix/smtpd\[\d+\]: warning: Connection rate limit exceeded: 3 from localhost\[127\.0\.0\.1\] for service `+service+`$`, 1)
	third.Close()
}

// seedMessageRate: smtpd_client_message_rate_limit = 1 accepts one
// message a minute.
func seedMessageRate(t *testing.T, m seedMTA, user string) {
	t.Helper()
	if out, err := seedSwaks(t, m.addr, "--from", "someone@example.net", "--to", user+"@example.com"); err != nil {
		t.Fatalf("first message: %v\n%s", err, out)
	}
	out, err := seedSwaks(t, m.addr, "--from", "someone@example.net", "--to", user+"@example.com")
	wantReply(t, "second message in a minute", out, err, "450 4.7.1 Error: too much mail from 127.0.0.1")
	m.waitLog(t, `postfix/smtpd\[\d+\]: warning: Message delivery request rate limit exceeded: 2 from localhost\[127\.0\.0\.1\] for service `+regexp.QuoteMeta(m.addr)+`$`, 1)
}

// seedRecipientAndSizeLimits: smtpd_recipient_limit = 2 refuses a third
// recipient; message_size_limit refuses a SIZE= above it at MAIL and a
// message that turns out larger after DATA.
func seedRecipientAndSizeLimits(t *testing.T, m seedMTA, user string) {
	t.Helper()
	c, _ := seedDialSMTP(t, m.addr)
	seedCommand(t, c, "EHLO client.example.net")
	if got := seedCommand(t, c, "MAIL FROM:<someone@example.net> SIZE=3000"); got != "552 5.3.4 Message size exceeds fixed limit" {
		t.Errorf("MAIL SIZE=3000: %q", got)
	}
	// The refused size stays until RSET, in Postfix too.
	for _, x := range [][2]string{{"MAIL FROM:<someone@example.net>", "552 5.3.4 Message size exceeds fixed limit"},
		{"RSET", "250 2.0.0 Ok"}} {
		if got := seedCommand(t, c, x[0]); got != x[1] {
			t.Errorf("%s: %q, want %q", x[0], got, x[1])
		}
	}
	if got := seedCommand(t, c, "MAIL FROM:<someone@example.net>"); got != "250 2.1.0 Ok" {
		t.Errorf("MAIL after RSET: %q", got)
	}
	domains := []string{"example.com", "localhost", "smtp.example.com"}
	for i, want := range []string{"250 2.1.5 Ok", "250 2.1.5 Ok", "452 4.5.3 Error: too many recipients"} {
		if got := seedCommand(t, c, fmt.Sprintf("RCPT TO:<%s@%s>", user, domains[i])); got != want {
			t.Errorf("RCPT %d: %q, want %q", i+1, got, want)
		}
	}
	if got := seedCommand(t, c, "DATA"); !strings.HasPrefix(got, "354 ") {
		t.Fatalf("DATA: %q", got)
	}
	body := "Subject: too big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 40) + ".\r\n"
	c.Write([]byte(body))
	if got := seedReadReply(t, c); got != "552 5.3.4 Error: message file too big" {
		t.Errorf("after a message above message_size_limit: %q", got)
	}
	seedCommand(t, c, "QUIT")
	c.Close()
	m.waitLog(t, `postfix/smtpd\[\d+\]: NOQUEUE: reject: MAIL from localhost\[127\.0\.0\.1\]: 552 5\.3\.4 Message size exceeds fixed limit; from=<someone@example\.net> proto=ESMTP helo=<client\.example\.net>$`, 1)
}

// seedErrorLimits: past smtpd_soft_error_limit every reply waits
// smtpd_error_sleep_time; at smtpd_hard_error_limit the session ends.
func seedErrorLimits(t *testing.T, m seedMTA) {
	t.Helper()
	c, _ := seedDialSMTP(t, m.addr)
	seedCommand(t, c, "EHLO client.example.net")
	if got := seedCommand(t, c, "RCPT TO:<x@example.com>"); got != "503 5.5.1 Error: need MAIL command" {
		t.Errorf("RCPT before MAIL: %q", got)
	}
	start := time.Now()
	if got := seedCommand(t, c, "NOOP"); got != "250 2.0.0 Ok" {
		t.Errorf("NOOP: %q", got)
	}
	// A lower bound only: the server must have slept before replying.
	if d := time.Since(start); d < time.Second {
		t.Errorf("reply after the soft error limit came after %v, want at least smtpd_error_sleep_time (1s)", d)
	}
	if got := seedCommand(t, c, "FOO"); got != "500 5.5.2 Error: command not recognized" {
		t.Errorf("second error: %q", got)
	}
	if got := seedReadReply(t, c); got != "421 4.7.0 smtp.example.com Error: too many errors" {
		t.Errorf("at the hard error limit: %q", got)
	}
	if got := seedReadReply(t, c); got != "EOF" {
		t.Errorf("after the 421: %q, want the end of the connection", got)
	}
	m.waitLog(t, `postfix/smtpd\[\d+\]: too many errors after UNKNOWN from localhost\[127\.0\.0\.1\]$`, 1)
}

// seedProcessLimit: with default_process_limit = 1 the smtp service
// (maxproc "-") runs one smtpd: a second client waits in the listen
// queue until the first is done. (The master's "has reached its process
// limit" warning is not logged for loopback-only services and maxproc
// 1, in Postfix as in Postern.)
func seedProcessLimit(t *testing.T, m seedMTA) {
	t.Helper()
	first, banner := seedDialSMTP(t, m.addr)
	if !strings.HasPrefix(banner, "220 ") {
		t.Fatalf("first client: %q", banner)
	}
	second, err := dialNoRead(m.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	// Give a wrongly started second smtpd time to greet; a correct
	// server never does before the first client quits.
	time.Sleep(time.Second)
	if n := len(m.smtpds()); n != 1 {
		t.Errorf("%d smtpd processes with default_process_limit = 1", n)
	}
	second.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _ := second.Read(make([]byte, 1)); n != 0 {
		t.Errorf("the second client was greeted while the first one was served")
	}
	second.SetDeadline(time.Now().Add(harness.Timeout))
	seedCommand(t, first, "QUIT")
	if banner := seedReadReply(t, second); !strings.HasPrefix(banner, "220 smtp.example.com ESMTP") {
		t.Errorf("second client after the first quit: %q", banner)
	}
}

// dialNoRead connects without reading the greeting.
func dialNoRead(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, harness.Timeout)
	if err == nil {
		c.SetDeadline(time.Now().Add(harness.Timeout))
	}
	return c, err
}
