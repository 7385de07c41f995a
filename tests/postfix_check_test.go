package tests

// "postfix check" compared with the real Postfix 3.7 on the same broken
// configurations: bad parameter values (fatal, as mail_params_init()),
// unusable accounts, unused and undefined parameters (postconf's
// warnings), a missing master.cf, wrong owners and modes. Both run as
// root on private configuration and queue directories, under a pseudo
// terminal: Postfix's commands write their messages to stderr only when
// it is a terminal.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/tests/harness"
)

// runOnPty runs cmd with a new pseudo terminal as its standard
// descriptors and returns what it wrote there and its exit status.
func runOnPty(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	out, code, err := ptyRun(cmd)
	if errors.Is(err, errNoPty) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out, code
}

var errNoPty = errors.New("no pseudo terminals")

// ptyRun is runOnPty without a test: it may run in any goroutine.
func ptyRun(cmd *exec.Cmd) (string, int, error) {
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %v", errNoPty, err)
	}
	defer ptm.Close()
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return "", 0, err
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		return "", 0, err
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return "", 0, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	err = cmd.Start()
	pts.Close()
	if err != nil {
		return "", 0, err
	}
	out := make(chan []byte, 1)
	go func() { data, _ := io.ReadAll(ptm); out <- data }() // EIO once the terminal is closed
	cmd.Wait()
	var data []byte
	select {
	case data = <-out:
	case <-time.After(harness.Timeout):
		return "", 0, fmt.Errorf("%s: its terminal stays open", cmd.Path)
	}
	return strings.ReplaceAll(string(data), "\r\n", "\n"), cmd.ProcessState.ExitCode(), nil
}

// checkSetup is one instance's directory for one implementation.
type checkSetup struct {
	dir, postfix string
	mainCF       []string
}

func newCheckSetup(t *testing.T, dir, postfix string, mainCF []string, masterCF string) *checkSetup {
	t.Helper()
	s := &checkSetup{dir: dir, postfix: postfix}
	s.mainCF = append([]string{
		"compatibility_level = 3.6",
		"queue_directory = " + filepath.Join(dir, "queue"),
		"data_directory = " + filepath.Join(dir, "data"),
		"inet_interfaces = loopback-only",
		"myhostname = mx.example.test",
	}, mainCF...)
	for _, d := range []string{"etc", "queue"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(masterCF)
	if err != nil {
		t.Fatal(err)
	}
	s.write(t, "master.cf", string(data))
	return s
}

func (s *checkSetup) write(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.dir, "etc", name), []byte(text), 0644); err != nil {
		t.Fatal(err)
	}
}

// check runs "postfix -c DIR check" with extra main.cf lines and returns
// its distinct messages, paths and program names made comparable.
func (s *checkSetup) check(t *testing.T, bin string, extra ...string) ([]string, int) {
	t.Helper()
	lines, code, err := s.run(bin, extra...)
	if errors.Is(err, errNoPty) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return lines, code
}

// run is check without a test: it may run in any goroutine.
func (s *checkSetup) run(bin string, extra ...string) ([]string, int, error) {
	// An extra line replaces the base line of the same parameter (a
	// duplicate would add Postfix's "overriding earlier entry" warnings).
	var lines []string
	for _, l := range s.mainCF {
		name, _, _ := strings.Cut(l, "=")
		if !slices.ContainsFunc(extra, func(e string) bool { return strings.HasPrefix(e, name+"=") }) {
			lines = append(lines, l)
		}
	}
	text := strings.Join(append(lines, extra...), "\n") + "\n"
	if err := os.WriteFile(filepath.Join(s.dir, "etc", "main.cf"), []byte(text), 0644); err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.postfix, "-c", filepath.Join(s.dir, "etc"), "check")
	cmd.Env = []string{"PATH=/usr/bin:/bin:/usr/sbin:/sbin"}
	out, code, err := ptyRun(cmd)
	if err != nil {
		return nil, 0, err
	}
	lines = nil
	for _, l := range strings.Split(out, "\n") {
		l = strings.ReplaceAll(l, s.dir, "DIR")
		l = strings.ReplaceAll(l, bin+"/postconf:", "postconf:")
		if l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return lines, code, nil
}

// checkResult is what one "postfix check" found.
type checkResult struct {
	lines []string
	code  int
	err   error
}

// checkEach runs, for each line, "postfix check" with that line in a
// directory of its own made by setup and checked once clean before (as
// the cases after the clean check of one directory would be), several
// at a time: the real Postfix sleeps a second after each fatal error
// (msg.c), so one after the other they take a minute.
func checkEach(t *testing.T, bin string, lines []string, setup func(dir string) *checkSetup) []checkResult {
	t.Helper()
	res := make([]checkResult, len(lines))
	setups := make([]*checkSetup, len(lines))
	for i := range lines {
		setups[i] = setup(fmt.Sprintf("case%02d", i))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, line := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, _, err := setups[i].run(bin); err != nil {
				res[i].err = err
				return
			}
			res[i].lines, res[i].code, res[i].err = setups[i].run(bin, line)
		}()
	}
	wg.Wait()
	for _, r := range res {
		if errors.Is(r.err, errNoPty) {
			t.Skip(r.err)
		}
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	return res
}

// TestPostfixCheckLikePostfix: the same findings, with the same texts and
// exit status, as the real postfix check.
func TestPostfixCheckLikePostfix(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("the real postfix command is reserved for the superuser")
	}
	if out, err := exec.Command("/usr/sbin/postconf", "-dh", "mail_version").Output(); err != nil || !strings.HasPrefix(string(out), "3.7.") {
		t.Skip("no Postfix 3.7 in /usr/sbin")
	}
	if _, err := os.Stat("/usr/share/postfix/master.cf.dist"); err != nil {
		t.Skip("no /usr/share/postfix/master.cf.dist")
	}
	root := t.TempDir()
	os.Chmod(filepath.Dir(root), 0755)
	os.Chmod(root, 0755)
	bin := installedCommands(t, filepath.Join(root, "sbin"))
	realSetup := func(dir string) *checkSetup {
		return newCheckSetup(t, filepath.Join(root, dir, "postfix"), "/usr/sbin/postfix", nil, "/usr/share/postfix/master.cf.dist")
	}
	oursSetup := func(dir string) *checkSetup {
		return newCheckSetup(t, filepath.Join(root, dir, "postern"), filepath.Join(bin, "postfix"),
			[]string{"daemon_directory = " + bin, "command_directory = " + bin}, filepath.Join(repoRoot(t), "etc/master.cf"))
	}
	real, ours := realSetup("base"), oursSetup("base")
	compare := func(name string, want, got checkResult) {
		t.Helper()
		if got.code != want.code || !slices.Equal(got.lines, want.lines) {
			t.Errorf("%s: Postern exit %d:\n  %s\nPostfix exit %d:\n  %s", name, got.code,
				strings.Join(got.lines, "\n  "), want.code, strings.Join(want.lines, "\n  "))
		}
	}
	compareBase := func(name string) {
		t.Helper()
		var want, got checkResult
		want.lines, want.code = real.check(t, "/usr/sbin")
		got.lines, got.code = ours.check(t, bin)
		compare(name, want, got)
	}
	compareBase("clean configuration")
	lines := []string{
		"default_process_limit = abc", "default_process_limit = 0", "message_size_limit = 10x",
		"soft_bounce = maybe", "ipc_timeout = 5x", "myhostname =", "myhostname = bad..name",
		"inet_protocols = ipv5", "mail_owner = nosuchuser", "mail_owner = root",
		"setgid_group = nosuchgroup", "default_privs = postfix", "default_verp_delimiters = +!",
		"bogus_param = 1", "mydestination = $nosuch", "relayhost = mx.example.test",
	}
	wants := checkEach(t, "/usr/sbin", lines, realSetup)
	gots := checkEach(t, bin, lines, oursSetup)
	for i, line := range lines {
		compare(line, wants[i], gots[i])
	}

	// Wrong owners and modes of existing directories.
	for _, s := range []*checkSetup{real, ours} {
		os.Chmod(filepath.Join(s.dir, "etc"), 0775)
		os.Chown(filepath.Join(s.dir, "data"), 0, 0)
		os.Chown(filepath.Join(s.dir, "queue/pid"), postfixUID(t), -1)
		os.Chown(filepath.Join(s.dir, "queue/public"), -1, 0)
	}
	compareBase("wrong owners and modes")

	// A missing master.cf.
	for _, s := range []*checkSetup{real, ours} {
		os.Remove(filepath.Join(s.dir, "etc/master.cf"))
	}
	compareBase("no master.cf")
}

// TestPostfixCheckWarnsBadValues: Postern's check also warns about a bad
// value of a parameter that only a daemon reads (Postfix's check says
// nothing; the daemon stops at run time with the same words).
func TestPostfixCheckWarnsBadValues(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, []string{"biff = maybe", "smtpd_banner ="}, "")
	out, err := inst.Postfix("check")
	if err != nil {
		t.Fatalf("postfix check: %v\n%s", err, out)
	}
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: warning: `+inst.ConfigDir+`/main\.cf: bad boolean configuration: biff = maybe$`)
	inst.WaitLog(t, `postfix/postfix-script\[\d+\]: warning: `+inst.ConfigDir+`/main\.cf: bad string length 0 < 1: smtpd_banner = $`)
}

// TestPostfixCheckMailname: Debian's "myorigin = /etc/mailname" names a
// file; a missing one stops the mail system as Debian's Postfix does.
func TestPostfixCheckMailname(t *testing.T) {
	t.Parallel()
	inst := harness.New(t, []string{"myorigin = /nonexistent/mailname"}, "")
	out, err := inst.Postfix("check")
	if err == nil || !strings.Contains(out, "fatal: myorigin: file /nonexistent/mailname: no such file or directory") {
		t.Fatalf("postfix check: %v\n%s", err, out)
	}
}

func postfixUID(t *testing.T) int {
	t.Helper()
	u, err := user.Lookup("postfix")
	if err != nil {
		t.Skip("no postfix user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid
}

// installedCommands copies the commands that postfix check runs or looks
// at into dir, with the owners and modes of an installation.
func installedCommands(t *testing.T, dir string) string {
	t.Helper()
	bin := harness.Build(t, "postfix", "postconf", "postsuper", "postqueue", "postdrop")
	gid := -1
	if g, err := user.LookupGroup("postdrop"); err == nil {
		gid, _ = strconv.Atoi(g.Gid)
	}
	if err := os.MkdirAll(dir, 0755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postfix", "postconf", "postsuper", "postqueue", "postdrop"} {
		data, err := os.ReadFile(filepath.Join(bin, name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0755); err != nil {
			t.Fatal(err)
		}
		if name == "postqueue" || name == "postdrop" {
			os.Chown(path, 0, gid)
			os.Chmod(path, 0755|os.ModeSetgid)
		}
	}
	return dir
}
