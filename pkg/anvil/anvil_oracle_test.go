package anvil

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real Postfix's anvil as the oracle: a private instance with only
// anvil and postlogd, its socket spoken to directly. Needs root and
// /usr/sbin/postfix; skipped otherwise.

type realAnvil struct {
	dir, socket, logf string
}

func startRealAnvil(t testing.TB, settings ...string) *realAnvil {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the Postfix oracle needs root")
	}
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		t.Skip("no /usr/sbin/postfix")
	}
	dir, err := os.MkdirTemp("", "postern-anvil-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	ra := &realAnvil{dir: dir, socket: filepath.Join(dir, "queue/private/anvil"), logf: filepath.Join(dir, "maillog")}
	for _, d := range []string{"etc", "queue", "data"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	if u, err := user.Lookup("postfix"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(filepath.Join(dir, "data"), uid, -1)
	}
	main := append([]string{"compatibility_level = 3.7", "queue_directory = " + dir + "/queue",
		"data_directory = " + dir + "/data", "maillog_file = " + ra.logf,
		"maillog_file_prefixes = " + dir, "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
		"myhostname = mx.example.com"}, settings...)
	writeFile(t, filepath.Join(dir, "etc/main.cf"), strings.Join(main, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "etc/master.cf"),
		"anvil unix - - n - 1 anvil\npostlog unix-dgram n - n - 1 postlogd\n")
	t.Cleanup(func() {
		exec.Command("/usr/sbin/postfix", "-c", dir+"/etc", "stop").Run()
		os.RemoveAll(dir)
	})
	if out, err := exec.Command("/usr/sbin/postfix", "-c", dir+"/etc", "start").CombinedOutput(); err != nil {
		t.Skipf("cannot start the real Postfix: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ra.socket); err == nil {
			return ra
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the real Postfix created no private/anvil")
	return nil
}

func writeFile(t testing.TB, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

var anvilLogRE = regexp.MustCompile(`postfix/anvil\[\d+\]: (.*)$`)

// lines waits (bounded) until the real anvil logged n lines matching
// prefix, and returns them without the syslog prefix.
func (ra *realAnvil) lines(t *testing.T, prefix string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, _ := os.ReadFile(ra.logf)
		var out []string
		for _, l := range strings.Split(string(data), "\n") {
			if m := anvilLogRE.FindStringSubmatch(l); m != nil && strings.HasPrefix(m[1], prefix) {
				out = append(out, m[1])
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAnvilOracleProtocol: the recorded conversation and the protocol
// errors, against the real anvil and against Postern's: the same bytes
// and the same warnings.
func TestAnvilOracleProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real Postfix")
	}
	ra := startRealAnvil(t, "anvil_rate_time_unit = 5s")
	tb, _ := newTestTable(5 * time.Second)
	ours := startTestServer(t, tb)
	real := &testServer{path: ra.socket}
	var realReplies, ourReplies []string
	for _, ts := range []*testServer{real, ours} {
		rc := ts.raw(t)
		replies := []string{rc.list()}
		for _, st := range protocolScript {
			replies = append(replies, rc.ask(st.req))
		}
		for _, bad := range []string{"request=lookup\nident=x\nfoo=bar\n\n", "ident=x\nrequest=lookup\n\n",
			"request=lookup\n\n", "\n"} {
			rc := ts.raw(t)
			rc.list()
			reply := rc.ask(bad)
			if !strings.Contains(bad, "foo") { // Postfix keeps that one open
				reply += "|" + rc.list()
			}
			replies = append(replies, reply)
		}
		if ts == real {
			realReplies = replies
		} else {
			ourReplies = replies
		}
	}
	for i := range realReplies {
		if realReplies[i] != ourReplies[i] {
			t.Errorf("reply %d: postfix %q, postern %q", i, realReplies[i], ourReplies[i])
		}
	}
	want := ra.lines(t, "warning:", 5)
	if got := ours.log.waitFor(t, 5); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\npostfix:\n%s\npostern:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestAnvilOracleStatistics: the statistics lines of the same requests,
// compared up to the time stamps.
func TestAnvilOracleStatistics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real Postfix")
	}
	ra := startRealAnvil(t, "anvil_rate_time_unit = 5s", "anvil_status_update_time = 2s")
	tb, _ := newTestTable(5 * time.Second)
	ours := startTestServer(t, tb)
	for _, ts := range []*testServer{{path: ra.socket}, ours} {
		rc := ts.raw(t)
		rc.list()
		for _, st := range protocolScript {
			rc.ask(st.req)
		}
	}
	stampRE := regexp.MustCompile(` at [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d$`)
	norm := func(lines []string) string {
		for i := range lines {
			lines[i] = stampRE.ReplaceAllString(lines[i], " at TIME")
		}
		return strings.Join(lines, "\n")
	}
	want := norm(ra.lines(t, "statistics:", 7))
	if got := norm(tb.Report()); got != want {
		t.Errorf("statistics:\npostfix:\n%s\npostern:\n%s", want, got)
	}
}

// BenchmarkAnvilPostfixSocket is BenchmarkAnvilSocket against the real
// anvil, for comparison.
func BenchmarkAnvilPostfixSocket(b *testing.B) {
	ra := startRealAnvil(b)
	c := (&Endpoint{Network: "unix", Addr: ra.socket, Timeout: 10 * time.Second}).NewClient()
	defer c.Close()
	addrs := benchAddrs(1024)
	for i := 0; b.Loop(); i++ {
		if err := clientMix(i, addrs[(i>>2)&1023], c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}
