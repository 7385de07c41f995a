package tests

// Helpers of the seed-procedure tests (seed_*_test.go, mapped to the
// guides in docs/seed-procedures.md): each test follows one procedure of
// the Red Hat "Deploying mail servers" guide's Postfix chapter or of
// Postfix's SOHO_README on a fresh install root.
//
// A seedHost is the tree that "make install DESTDIR=ROOT" produces
// (scripts/install, run for each host from the programs this test binary
// built), pointed at its own queue, data, spool and log inside ROOT and
// at a free loopback port, as tests/install_test.go's installed-tree
// tests do. The administrator's commands run from ROOT/usr/sbin with
// MAIL_CONFIG=ROOT/etc/postfix, so "postconf -e", "postmap
// /etc/postfix/virtual" and "postfix check" are the guide's commands
// with /etc/postfix read as ROOT/etc/postfix. Everything a test starts
// (the instance, users, Dovecot, slapd, smtp-sink) is stopped or removed
// when it ends; the tests need root, as the guide does.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

var (
	seedTopMu sync.Mutex
	seedTop   string
)

// seedInstallTop returns a source tree for scripts/install whose bin/
// holds every program of cmd/, built once per test binary by the
// harness (into its build directory, removed by TestMain).
func seedInstallTop(t *testing.T) string {
	t.Helper()
	seedTopMu.Lock()
	defer seedTopMu.Unlock()
	bin := harness.Build(t, programs(t)...)
	top := filepath.Join(bin, "seed-top")
	if seedTop == top {
		return top
	}
	os.RemoveAll(top)
	if err := os.Mkdir(top, 0o755); err != nil {
		t.Fatal(err)
	}
	root := repoRoot(t)
	for _, d := range []string{"scripts", "cmd", "etc"} {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(top, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(bin, filepath.Join(top, "bin")); err != nil {
		t.Fatal(err)
	}
	seedTop = top
	return top
}

// requireSeedRoot skips a seed test where the guide's procedure cannot
// run: it needs root, the postfix user and postdrop group, and swaks.
func requireSeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the guide's procedures run as root with real users")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skip("no postfix user")
	}
	if _, err := user.LookupGroup("postdrop"); err != nil {
		t.Skip("no postdrop group")
	}
	for _, p := range []string{"swaks", "mail", "useradd"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
}

// seedHost is one fresh install root with its instance.
type seedHost struct {
	root string
	inst *harness.Instance
}

// newSeedHost installs into a new root ("make install DESTDIR=ROOT"),
// points it at directories inside ROOT and a free port for the smtp
// service (the only change to the installed master.cf), and runs
// "postfix set-permissions" as the installer tells the administrator to.
func newSeedHost(t *testing.T) *seedHost {
	t.Helper()
	requireSeedRoot(t)
	top := seedInstallTop(t)
	root := destdir(t)
	install := exec.Command(filepath.Join(top, "scripts/install"), root, "/usr", "/usr/libexec/postfix", "/usr/sbin", "/etc/postfix")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	spool := filepath.Join(root, "var/mail")
	os.MkdirAll(spool, 0o755)
	// Debian's /var/mail: root:mail 2775.
	os.Chmod(spool, 0o775|os.ModeSetgid)
	if g, err := user.LookupGroup("mail"); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		os.Chown(spool, 0, gid)
	}
	inst := privateInstance(t, root, "usr/libexec/postfix",
		"maillog_file = "+filepath.Join(root, "maillog"), "mail_spool_directory = "+spool)
	h := &seedHost{root: root, inst: inst}
	h.must(t, "postfix", "set-permissions")
	return h
}

// path is a file of the installed system: ROOT + path.
func (h *seedHost) path(p string) string { return filepath.Join(h.root, p) }

// env is the environment of the administrator's commands.
func (h *seedHost) env() []string {
	return append(os.Environ(), "MAIL_CONFIG="+h.inst.ConfigDir)
}

// program finds an installed command under ROOT (sbin, then bin).
func (h *seedHost) program(name string) string {
	for _, d := range []string{"usr/sbin", "usr/bin"} {
		if p := filepath.Join(h.root, d, name); fileExists(p) {
			return p
		}
	}
	return name // a command of the system: mail, swaks, ...
}

// run runs an administrator's command with stdin and returns stdout and
// stderr together.
func (h *seedHost) run(stdin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.program(name), args...)
	cmd.Env = h.env()
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// must runs a command that must succeed and returns its output.
func (h *seedHost) must(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := h.run("", name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\nlog:\n%s", name, strings.Join(args, " "), err, out, h.inst.Log())
	}
	return out
}

// postconf runs "postconf -e SETTING..." as the guide does; it prints
// nothing when all is well.
func (h *seedHost) postconf(t *testing.T, settings ...string) {
	t.Helper()
	if out := h.must(t, "postconf", append([]string{"-e"}, settings...)...); out != "" {
		t.Errorf("postconf -e %q: unexpected output %q", settings, out)
	}
}

// write creates a file of the installed system (ROOT + path).
func (h *seedHost) write(t *testing.T, path, text string) {
	t.Helper()
	p := h.path(path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// check runs "postfix check", which must succeed and say nothing, on
// its output or in the log.
func (h *seedHost) check(t *testing.T) {
	t.Helper()
	before := len(h.inst.Log())
	out := h.must(t, "postfix", "check")
	if logged := h.inst.Log()[before:]; out != "" || strings.Contains(logged, "warning") || strings.Contains(logged, "fatal") {
		t.Errorf("postfix check: %q\nlog:\n%s", out, logged)
	}
}

// start checks and starts the mail system (systemctl enable --now
// postfix runs "postfix start"), and waits for the smtp listener.
func (h *seedHost) start(t *testing.T) {
	t.Helper()
	h.check(t)
	h.inst.Start(t)
	h.inst.WaitListen(t, "smtp")
}

// reload is "systemctl reload postfix": postfix reload.
func (h *seedHost) reload(t *testing.T) {
	t.Helper()
	n := strings.Count(h.inst.Log(), "reload -- version 3.7.11")
	h.must(t, "postfix", "reload")
	harness.Eventually(t, "the master's reload line", func() bool {
		return strings.Count(h.inst.Log(), "reload -- version 3.7.11") > n
	})
}

// addr is 127.0.0.1:PORT of the smtp service (or another named port).
func (h *seedHost) addr(t *testing.T, name string) string { return h.inst.Addr(t, name) }

// mail sends a message the way the guide verifies a setup: echo BODY |
// mail -s SUBJECT TO, GNU mailutils' mail(1) handing it to the
// installed sendmail.
func (h *seedHost) mail(t *testing.T, subject, to, body string) {
	t.Helper()
	out, err := h.run(body+"\n", "mail", "-n", "-E", "set sendmail=sendmail:"+h.path("/usr/sbin/sendmail"), "-s", subject, to)
	if err != nil || out != "" {
		t.Fatalf("mail -s %q %s: %v\n%s\nlog:\n%s", subject, to, err, out, h.inst.Log())
	}
}

// mailbox is the UNIX mailbox of a user in the spool directory.
func (h *seedHost) mailbox(name string) string { return h.path("/var/mail/" + name) }

// waitMailbox waits until a user's mailbox holds n messages and returns
// its content.
func (h *seedHost) waitMailbox(t *testing.T, name string, n int) string {
	t.Helper()
	var text string
	deadline := time.Now().Add(harness.Timeout)
	for {
		data, _ := os.ReadFile(h.mailbox(name))
		text = string(data)
		if strings.Count("\n"+text, "\nFrom ") >= n {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailbox %s has %d message(s), want %d:\n%s\nlog:\n%s", name,
				strings.Count("\n"+text, "\nFrom "), n, text, h.inst.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLog waits for a log line matching pattern and returns its
// submatches.
func (h *seedHost) waitLog(t *testing.T, pattern string) []string {
	t.Helper()
	return h.inst.WaitLog(t, pattern)
}

// seedSwaks runs swaks against addr; the transcript is returned with
// swaks' error (a rejected transaction makes swaks fail).
func seedSwaks(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	all := append([]string{"--server", host, "--port", port, "--timeout", "30"}, args...)
	out, err := exec.CommandContext(ctx, "swaks", all...).CombinedOutput()
	return string(out), err
}

// mustSwaks runs swaks and fails the test when the transaction fails;
// it returns the transcript.
func (h *seedHost) mustSwaks(t *testing.T, service string, args ...string) string {
	t.Helper()
	out, err := seedSwaks(t, h.addr(t, service), args...)
	if err != nil {
		t.Fatalf("swaks %s: %v\n%s\nlog:\n%s", strings.Join(args, " "), err, out, h.inst.Log())
	}
	return out
}

// wantReply checks that a swaks transcript failed with the server reply
// want (a whole reply line after swaks' "<** " or "<~* " marker).
func wantReply(t *testing.T, what, out string, err error, want string) {
	t.Helper()
	if err == nil || !regexp.MustCompile(`(?m)^<[*~]\* +`+regexp.QuoteMeta(want)+`\r?$`).MatchString(out) {
		t.Errorf("%s: want the reply %q, got (%v):\n%s", what, want, err, out)
	}
}

// seedUser creates a user with useradd (removed with userdel when the
// test ends) whose mail goes to the host's spool directory.
func (h *seedHost) seedUser(t *testing.T, tag string) localUser {
	t.Helper()
	return mkUser(t, h.root, tag)
}

// seedEnableSubmission edits master.cf as the administrator does:
// the stock submission entry uncommented, bound to a loopback port, with
// its -o options replaced by opts.
func (h *seedHost) enableSubmission(t *testing.T, opts ...string) {
	t.Helper()
	path := filepath.Join(h.inst.ConfigDir, "master.cf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`(?m)^#submission(\s+inet\s.*)\n(?:#  -o .*\n)*`)
	if !entry.Match(data) {
		t.Fatalf("no commented submission entry in the installed master.cf:\n%s", data)
	}
	if _, ok := h.inst.Ports["submission"]; !ok {
		h.inst.Ports["submission"] = harness.FreePort(t)
	}
	block := fmt.Sprintf("127.0.0.1:%d$1\n", h.inst.Ports["submission"])
	for _, o := range opts {
		block += "  -o " + strings.ReplaceAll(o, "$", "$$") + "\n"
	}
	data = entry.ReplaceAll(data, []byte(block))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// smtpOnPortOnly rewrites the smtp service of master.cf from
// 127.0.0.1:PORT to PORT, so that inet_interfaces decides the addresses
// it listens on, as for the installed "smtp inet" entry.
func (h *seedHost) smtpOnPortOnly(t *testing.T) {
	t.Helper()
	path := filepath.Join(h.inst.ConfigDir, "master.cf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(h.inst.Ports["smtp"])
	re := regexp.MustCompile(`(?m)^127\.0\.0\.1:` + port + `(\s+inet\s)`)
	if !re.Match(data) {
		t.Fatalf("no smtp service on 127.0.0.1:%s in master.cf", port)
	}
	if err := os.WriteFile(path, re.ReplaceAll(data, []byte(port+"$1")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listenAddrs lists the IPv4 addresses with a listening TCP socket on
// the smtp service's port (from /proc/net/tcp).
func (h *seedHost) listenAddrs(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprintf(":%04X", h.inst.Ports["smtp"])
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "0A" || !strings.HasSuffix(f[1], suffix) {
			continue
		}
		hexIP := strings.TrimSuffix(f[1], suffix)
		v, _ := strconv.ParseUint(hexIP, 16, 32)
		// /proc/net/tcp holds the address in host (little-endian) order.
		out = append(out, net.IPv4(byte(v), byte(v>>8), byte(v>>16), byte(v>>24)).String())
	}
	return out
}
