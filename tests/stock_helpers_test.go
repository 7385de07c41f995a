package tests

// Helpers of the stock master.cf tests (stock_*_test.go): an instance
// that runs Debian's own master.cf with Postern's programs, test users,
// an SMTP client and log checks.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// stockMasterPaths are where Debian keeps the stock master.cf.
var stockMasterPaths = []string{"/usr/share/postfix/master.cf.dist", "/etc/postfix/master.cf"}

// stockMasterCF returns Debian's master.cf with only the smtp inet
// service moved to a free loopback port, plus extra entries.
func stockMasterCF(t *testing.T, extra string) string {
	t.Helper()
	var data []byte
	var err error
	for _, p := range stockMasterPaths {
		if data, err = os.ReadFile(p); err == nil {
			break
		}
	}
	if err != nil {
		t.Skip("no stock master.cf (install postfix): ", err)
	}
	re := regexp.MustCompile(`(?m)^smtp(\s+inet\s)`)
	if !re.Match(data) {
		t.Fatalf("stock master.cf has no smtp inet service")
	}
	return re.ReplaceAllString(string(data), "127.0.0.1:{port:smtp}$1") + extra
}

func requireStockRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the stock master.cf runs daemons chrooted, local and pipe as root")
	}
	for _, g := range []string{"postfix", "postdrop"} {
		if _, err := user.LookupGroup(g); err != nil {
			t.Skipf("no %s group on this system", g)
		}
	}
}

// stockUser is an account made for one test and removed after it.
type stockUser struct {
	name     string
	uid, gid int
}

var stockUsers atomic.Int32

func stockAddUser(t *testing.T, tag string) stockUser {
	t.Helper()
	// A number per user: tests that run at once may use the same tag.
	name := fmt.Sprintf("ps%d%s%d", os.Getpid()%100000, tag, stockUsers.Add(1))
	out, err := exec.Command("useradd", "-M", "-N", "-s", "/bin/sh", name).CombinedOutput()
	if err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return stockUser{name: name, uid: uid, gid: gid}
}

// stockSMTP runs one SMTP transaction against the instance's smtp
// service; rcpts may carry RCPT parameters after a "|". It returns
// the queue ID from the 250 reply to the end of DATA.
func stockSMTP(t *testing.T, inst *harness.Instance, from string, rcpts []string, content string) string {
	t.Helper()
	c := inst.Dial(t, "smtp")
	defer c.Close()
	c.SetDeadline(time.Now().Add(harness.Timeout))
	r := bufio.NewReader(c)
	expect := func(code string) string {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", code, err)
			}
			if !strings.HasPrefix(line, code) {
				t.Fatalf("got %q, want %s", line, code)
			}
			if len(line) > 3 && line[3] == ' ' {
				return line
			}
		}
	}
	send := func(line, code string) string {
		t.Helper()
		fmt.Fprintf(c, "%s\r\n", line)
		return expect(code)
	}
	expect("220")
	send("EHLO client.example.test", "250")
	send("MAIL FROM:<"+from+">", "250")
	for _, rc := range rcpts {
		addr, params, _ := strings.Cut(rc, "|")
		send(strings.TrimSpace("RCPT TO:<"+addr+"> "+params), "250")
	}
	send("DATA", "354")
	body := strings.ReplaceAll(content, "\n", "\r\n")
	body = regexp.MustCompile(`(?m)^\.`).ReplaceAllString(body, "..")
	last := send(body+".", "250")
	send("QUIT", "221")
	m := regexp.MustCompile(`queued as ([0-9A-Za-z]+)`).FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("no queue ID in %q", last)
	}
	return m[1]
}

// stockBadLogLines returns the log lines that a healthy instance never
// writes: error, fatal and panic messages, throttled services, daemons
// that died.
func stockBadLogLines(log string) []string {
	bad := regexp.MustCompile(`\]: (error|fatal|panic): |postfix/master\[\d+\]: warning: .*(throttling|exit status [1-9]|killed by signal)`)
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if bad.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// stockWriteFile writes a file with a mode.
func stockWriteFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode)
}

// stockPostmap builds a table with Postern's postmap.
func stockPostmap(t *testing.T, inst *harness.Instance, args ...string) {
	t.Helper()
	bin := harness.Build(t, "postmap", "postalias")
	out, err := exec.Command(filepath.Join(bin, args[0]), append([]string{"-c", inst.ConfigDir}, args[1:]...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func stockQuote(s string) string { return regexp.QuoteMeta(s) }
