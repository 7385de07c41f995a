package tests

// Process-level tests of anvil and the smtpd limits: a Postern instance
// under its master (tests/harness) and, as the oracle, a private real
// Postfix with the same services and limits. Each limit is provoked on
// both and the replies and smtpd log lines are compared; anvil is
// killed and stopped under load; 500 concurrent connections meet a
// connection count limit of 50; anvil's memory is measured with 100,000
// distinct clients.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// smtpConn is a test SMTP client.
type smtpConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialSMTP(t *testing.T, addr string) *smtpConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &smtpConn{t: t, c: c, r: bufio.NewReader(c)}
}

// reply reads one reply, the lines joined by "\n"; "EOF" when the
// server closed the connection.
func (s *smtpConn) reply() string {
	var lines []string
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			if len(lines) == 0 {
				return "EOF"
			}
			return strings.Join(lines, "\n") + " (EOF)"
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if len(l) < 4 || l[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

func (s *smtpConn) cmd(line string) string {
	fmt.Fprintf(s.c, "%s\r\n", line)
	return s.reply()
}

// script runs commands and returns "command -> reply" lines; EHLO's
// reply is left out (its keywords are not what is compared here).
func (s *smtpConn) script(cmds ...string) []string {
	var out []string
	for _, c := range cmds {
		r := s.cmd(c)
		if strings.HasPrefix(c, "EHLO") {
			r = r[:3]
		}
		out = append(out, c+" -> "+r)
	}
	return out
}

// anvilScenario provokes one limit on its own smtpd service.
type anvilScenario struct {
	service   anvilService
	sessions  int // disconnect lines to wait for
	run       func(dial func() *smtpConn) []string
	wantReply string // a reply the transcript must contain
}

func greet(c *smtpConn) string { return "connect -> " + c.reply() }

var anvilScenarios = []anvilScenario{
	{anvilService{name: "count", overrides: []string{"smtpd_client_connection_count_limit=2"}}, 3,
		func(dial func() *smtpConn) []string {
			// One connection after the other: which of three simultaneous
			// connections anvil counts first is up to the scheduler, in
			// Postfix (one process each) as in Postern (one goroutine each).
			a := dial()
			out := []string{greet(a)}
			b := dial()
			out = append(out, greet(b))
			c := dial()
			out = append(out, greet(c), "then -> "+c.reply())
			return append(append(out, a.script("QUIT")...), b.script("QUIT")...)
		}, "connect -> 421 4.7.0 mx.example.test Error: too many connections from 127.0.0.1"},
	{anvilService{name: "rate", overrides: []string{"smtpd_client_connection_rate_limit=2", "smtpd_client_connection_count_limit=0"}}, 3,
		func(dial func() *smtpConn) []string {
			var out []string
			for i := 0; i < 2; i++ {
				a := dial()
				out = append(append(out, greet(a)), a.script("QUIT")...)
			}
			c := dial()
			return append(out, greet(c), "then -> "+c.reply())
		}, "connect -> 421 4.7.0 mx.example.test Error: too many connections from 127.0.0.1"},
	{anvilService{name: "mail", overrides: []string{"smtpd_client_message_rate_limit=1"}}, 1,
		func(dial func() *smtpConn) []string {
			a := dial()
			return append([]string{greet(a)}, a.script("EHLO client.example", "MAIL FROM:<a@example.org>",
				"RSET", "MAIL FROM:<a@example.org>", "MAIL FROM:<bad", "MAIL TO:<a@example.org>", "QUIT")...)
		}, "MAIL FROM:<a@example.org> -> 450 4.7.1 Error: too much mail from 127.0.0.1"},
	{anvilService{name: "rcpt", overrides: []string{"smtpd_client_recipient_rate_limit=2"}}, 1,
		func(dial func() *smtpConn) []string {
			a := dial()
			return append([]string{greet(a)}, a.script("EHLO client.example", "MAIL FROM:<a@example.org>",
				"RCPT TO:<b@example.com>", "VRFY b@example.com", "RCPT TO:<c@example.com>",
				"VRFY c@example.com", "RCPT TO:<bad", "QUIT")...)
		}, "RCPT TO:<c@example.com> -> 450 4.7.1 Error: too many recipients from 127.0.0.1"},
	{anvilService{name: "auth", overrides: []string{"smtpd_client_auth_rate_limit=1"}}, 1,
		func(dial func() *smtpConn) []string {
			a := dial()
			return append([]string{greet(a)}, a.script("EHLO client.example", "AUTH PLAIN", "AUTH PLAIN", "QUIT")...)
		}, "AUTH PLAIN -> 450 4.7.1 Error: too many AUTH commands from 127.0.0.1"},
	{anvilService{name: "except", overrides: []string{"smtpd_client_connection_count_limit=1", "smtpd_client_message_rate_limit=1",
		"smtpd_client_event_limit_exceptions=127.0.0.1"}}, 2, exemptScript,
		"MAIL FROM:<a@example.org> -> 250 2.1.0 Ok"},
	{anvilService{name: "mynets", overrides: []string{"smtpd_client_connection_count_limit=1", "smtpd_client_message_rate_limit=1",
		"mynetworks=127.0.0.0/8"}}, 2, exemptScript, "MAIL FROM:<a@example.org> -> 250 2.1.0 Ok"},
}

func exemptScript(dial func() *smtpConn) []string {
	a, b := dial(), dial()
	out := []string{greet(a), greet(b)}
	out = append(out, b.script("MAIL FROM:<a@example.org>", "RSET", "MAIL FROM:<a@example.org>", "QUIT")...)
	return append(out, a.script("QUIT")...)
}

// anvilMainCF is main.cf for both instances.
var anvilMainCF = []string{
	"mynetworks = 192.0.2.0/24", "mydestination = example.com", "smtpd_peername_lookup = no",
	"local_recipient_maps =", "smtpd_reject_unlisted_recipient = no", "smtpd_error_sleep_time = 0s",
	"alias_maps =",
}

// TestAnvilLimitsLikePostfix: each limit provoked on Postern and on the
// real Postfix: the same replies and the same smtpd log lines.
func TestAnvilLimitsLikePostfix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Postern and the real Postfix")
	}
	var services []anvilService
	for _, sc := range anvilScenarios {
		services = append(services, sc.service)
	}
	real := startRealPostfix(t, anvilMainCF, services)
	inst := harness.Start(t, anvilMainCF, masterLines(services, func(n string) string { return "{port:" + n + "}" })+
		"anvil unix - - n - 1 anvil\n")
	for _, s := range services {
		inst.WaitListen(t, s.name)
		anvilWaitListen(t, real.ports[s.name])
	}
	var realOff, ourOff int64
	for _, sc := range anvilScenarios {
		name := sc.service.name
		t.Run(name, func(t *testing.T) {
			want := sc.run(func() *smtpConn { return dialSMTP(t, real.addr(name)) })
			var wantLog, gotLog []string
			wantLog, realOff = smtpdLog(t, real.logf, realOff, sc.sessions)
			got := sc.run(func() *smtpConn { return dialSMTP(t, inst.Addr(t, name)) })
			gotLog, ourOff = smtpdLog(t, inst.LogFile, ourOff, sc.sessions)
			t.Logf("postfix:\n%s\n%s", strings.Join(want, "\n"), strings.Join(wantLog, "\n"))
			compareTranscripts(t, "reply", want, got)
			compareTranscripts(t, "log", normLog(wantLog, real.addr(name)), normLog(gotLog, inst.Addr(t, name)))
			if !contains(got, sc.wantReply) {
				t.Errorf("no %q in %q", sc.wantReply, got)
			}
		})
	}
}

// normLog sorts the lines (sessions run side by side) and names the
// service SERVICE.
func normLog(lines []string, service string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = queueIDRE.ReplaceAllString(strings.ReplaceAll(l, service, "SERVICE"), "QID:")
	}
	sort.Strings(out)
	return out
}

var queueIDRE = regexp.MustCompile(`^[0-9A-F]{10,12}:`)

func compareTranscripts(t *testing.T, what string, want, got []string) {
	t.Helper()
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("%s %d:\n postfix: %q\n postern: %q", what, i, w, g)
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// anvilWaitListen waits until something listens on 127.0.0.1:port.
func anvilWaitListen(t *testing.T, port int) {
	t.Helper()
	want := fmt.Sprintf(":%04X", port)
	harness.Eventually(t, "a listener on port "+strconv.Itoa(port), func() bool {
		data, _ := os.ReadFile("/proc/net/tcp")
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
				return true
			}
		}
		return false
	})
}
