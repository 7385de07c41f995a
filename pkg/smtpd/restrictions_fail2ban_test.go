package smtpd

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fail2ban's stock Postfix filter must ban the clients that Postern
// rejects, as it does with Postfix. The regular expressions are those
// of fail2ban 1.0.2 filter.d/postfix.conf, default mode "more" (which
// is "normal"): prefregex, then failregex on the rest of the line.
// Only __prefix_line (common.conf) is reduced to the syslog form that
// maillog_file and syslog write. When fail2ban-regex is installed, the
// same lines also go through fail2ban itself.
var (
	f2bPrefix = `^\S+ +\d+ \d\d:\d\d:\d\d \S+ postfix(-\w+)?/\w+(?:/smtp[ds])?\[\d+\]: ` +
		`(?:\w+: (?:milter-)?reject:|(?:improper command pipelining|too many errors) after \S+) (?P<content>.+)$`
	f2bHost    = `(?P<host>[^\]\s]+)`
	f2bFailure = []string{
		`^[A-Z]{4} from [^[]*\[` + f2bHost + `\](?::\d+)?: [45][50][04] [45]\.\d\.\d+ (?:(?:<[^>]*>)?: )?` +
			`(?:(?:Helo command|(?:Sender|Recipient) address) rejected: )?(?:Service unavailable|` +
			`(?:Client host|Command|Data command) rejected|Relay access denied|(?:Host|Domain) not found|` +
			`need fully-qualified hostname|match|[Uu](?:ser unknown|ndeliverable address))\b`,
		`^from [^[]*\[` + f2bHost + `\](?::\d+)?:?`,
	}
)

// f2bMatch returns the banned host of a log line, or "".
func f2bMatch(line string) string {
	m := regexp.MustCompile(f2bPrefix).FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	content := m[len(m)-1]
	for _, re := range f2bFailure {
		if h := regexp.MustCompile(re).FindStringSubmatch(content); h != nil {
			return h[1]
		}
	}
	return ""
}

func TestFail2banPostfixFilter(t *testing.T) {
	lines := fail2banLogLines(t)
	banned := map[string]int{}
	var log strings.Builder
	for i, l := range lines {
		syslog := fmt.Sprintf("Nov 21 10:00:%02d mx postfix/smtpd[4242]: %s", i%60, l)
		log.WriteString(syslog + "\n")
		if h := f2bMatch(syslog); h != "" {
			banned[h]++
		}
	}
	// Every reject below is one fail2ban counts against the client.
	want := map[string]int{"127.0.0.1": 6, "127.0.0.2": 1, "127.0.0.3": 2}
	for h, n := range want {
		if banned[h] != n {
			t.Errorf("%s matched %d times, want %d; log:\n%s", h, banned[h], n, log.String())
		}
	}
	runFail2banRegex(t, log.String(), want)
}

// runFail2banRegex checks the count with fail2ban itself, if installed.
func runFail2banRegex(t *testing.T, log string, want map[string]int) {
	bin, err := exec.LookPath("fail2ban-regex")
	filter := "/etc/fail2ban/filter.d/postfix.conf"
	if err != nil {
		t.Log("no fail2ban-regex: only the built-in copy of the filter was used")
		return
	}
	if _, err := os.Stat(filter); err != nil {
		t.Logf("no %s", filter)
		return
	}
	path := filepath.Join(t.TempDir(), "maillog")
	write(t, path, log)
	out, err := exec.Command(bin, "-o", "ip", path, filter).Output()
	if err != nil {
		t.Fatalf("fail2ban-regex: %v\n%s", err, out)
	}
	got := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if ip := strings.TrimSpace(sc.Text()); ip != "" {
			got[ip]++
		}
	}
	for h, n := range want {
		if got[h] != n {
			t.Errorf("fail2ban-regex: %s matched %d times, want %d; output:\n%s", h, got[h], n, out)
		}
	}
}

// fail2banLogLines runs sessions with typical rejections and returns
// the log lines, without the "info: " and with "warning: " kept.
func fail2banLogLines(t *testing.T) []string {
	f := testZone(t)
	f.add("2.0.0.127.zen.test", dnsTypeA, "127.0.0.2").add("2.0.0.127.zen.test", dnsTypeTXT, "see http://zen.test")
	dir := tables(t, map[string]string{"users": "known x\n"})
	ts := startServer(t, map[string]string{
		"smtpd_client_restrictions": "reject_rbl_client zen.test=127.0.0.[2..3]",
		"smtpd_helo_restrictions":   "reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname",
		"smtpd_sender_restrictions": "reject_unknown_sender_domain",
		"smtpd_relay_restrictions":  "permit_mynetworks, reject_unauth_destination",
		"local_recipient_maps":      "texthash:" + dir + "/users", "mynetworks": "192.0.2.0/24",
		"smtpd_forbid_unauth_pipelining": "no", "smtpd_hard_error_limit": "12",
	}, func(d *Deps) { d.DNS = f.dns() })
	c := dialFrom(t, ts, "127.0.0.1")
	for _, l := range []string{"HELO nodots", "MAIL FROM:<a@known.test>", "RCPT TO:<known@example.com>",
		"HELO nx.test", "MAIL FROM:<a@known.test>", "RCPT TO:<known@example.com>",
		"HELO known.test", "MAIL FROM:<a@nx.test>", "RCPT TO:<known@example.com>", "RSET",
		"MAIL FROM:<a@known.test>", "RCPT TO:<x@other.test>", "RCPT TO:<unknown@example.com>",
		"VRFY unknown@example.com", "RCPT TO:<known@example.com>", "QUIT"} {
		c.cmd(l)
	}
	c = dialFrom(t, ts, "127.0.0.2")
	c.cmd("HELO known.test")
	c.cmd("MAIL FROM:<a@known.test>")
	c.cmd("RCPT TO:<known@example.com>")
	c.cmd("QUIT")
	c = dialFrom(t, ts, "127.0.0.3")
	c.send("HELO known.test\r\nNOOP\r\n")
	c.reply()
	c.reply()
	for i := 0; i < 12; i++ {
		c.cmd("FOO")
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(strings.Join(ts.log.all(), "\n"), "info: disconnect") < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	var out []string
	for _, l := range ts.log.all() {
		out = append(out, strings.TrimPrefix(l, "info: "))
	}
	return out
}

// dialFrom connects to the test server from a chosen loopback address.
func dialFrom(t *testing.T, ts *testServer, from string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", ts.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, conn: c, r: newReader(c)}
	cl.reply()
	return cl
}
