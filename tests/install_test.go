package tests

// Tests of "make install" and "make uninstall" (scripts/install,
// scripts/uninstall, docs/install.md): the tree a DESTDIR install
// produces, installing over a distribution's Postfix and putting it back,
// the systemd unit, and an installed tree that runs: postfix check,
// start and stop with everything inside DESTDIR (never the system's
// /etc/postfix or /var/spool/postfix).

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// repoRoot is the directory of go.mod, above this package's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod above tests: %v", err)
	}
	return dir
}

// runMake runs make in the repository with the given variables and an
// environment that does not set them otherwise.
func runMake(t *testing.T, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"-C", repoRoot(t)}, args...)...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains([]string{"DESTDIR", "PREFIX", "DAEMON_DIRECTORY", "COMMAND_DIRECTORY",
			"CONFIG_DIRECTORY", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAIL_CONFIG"}, name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustMake(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runMake(t, args...)
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// programs lists the programs of cmd/ (directories with Go files).
func programs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(repoRoot(t), "cmd", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range dirs {
		if files, _ := filepath.Glob(filepath.Join(d, "*.go")); len(files) > 0 {
			out = append(out, filepath.Base(d))
		}
	}
	return out
}

var postfixCommands = []string{"postalias", "postcat", "postconf", "postdrop", "postfix", "postkick",
	"postlock", "postlog", "postmap", "postmulti", "postqueue", "postsuper", "sendmail"}

// setgidExpected: as root, with the postdrop group, postdrop and
// postqueue are root:postdrop 2755; otherwise the bit is left to
// "postfix set-permissions" on the target.
func setgidExpected() bool {
	_, err := user.LookupGroup("postdrop")
	return os.Geteuid() == 0 && err == nil
}

func destdir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	os.Chmod(filepath.Dir(d), 0755)
	os.Chmod(d, 0755)
	return d
}

// checkMode checks a path's type and permission bits (with set-group-ID).
func checkMode(t *testing.T, path string, dir bool, want os.FileMode) *syscall.Stat_t {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Errorf("%v", err)
		return nil
	}
	got := st.Mode() & (os.ModePerm | os.ModeSetgid)
	if st.IsDir() != dir || got != want {
		t.Errorf("%s: mode %v, want %v (dir %v)", path, st.Mode(), want, dir)
	}
	return st.Sys().(*syscall.Stat_t)
}

func checkLink(t *testing.T, path, target string) {
	t.Helper()
	got, err := os.Readlink(path)
	if err != nil || got != target {
		t.Errorf("%s: link to %q (%v), want %q", path, got, err, target)
	}
}

// checkPrograms: daemons in daemonDir, commands in /usr/sbin, with
// their modes.
func checkPrograms(t *testing.T, d, daemonDir string) {
	t.Helper()
	for _, name := range programs(t) {
		path := filepath.Join(d, daemonDir, name)
		mode := os.FileMode(0755)
		if slices.Contains(postfixCommands, name) {
			path = filepath.Join(d, "usr/sbin", name)
			if (name == "postdrop" || name == "postqueue") && setgidExpected() {
				mode |= os.ModeSetgid
			}
		}
		st := checkMode(t, path, false, mode)
		if st != nil && mode&os.ModeSetgid != 0 {
			g, _ := user.LookupGroup("postdrop")
			if fmt.Sprint(st.Gid) != g.Gid {
				t.Errorf("%s: group %d, want postdrop", path, st.Gid)
			}
		}
	}
	for _, l := range []string{"usr/bin/mailq", "usr/bin/newaliases", "usr/lib/sendmail"} {
		checkLink(t, filepath.Join(d, l), "/usr/sbin/sendmail")
	}
}

// checkQueue: the queue and data directories with postfix-files' modes.
func checkQueue(t *testing.T, d string) {
	t.Helper()
	q := filepath.Join(d, "var/spool/postfix")
	checkMode(t, q, true, 0755)
	for _, sub := range []string{"active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"} {
		checkMode(t, filepath.Join(q, sub), true, 0700)
	}
	checkMode(t, filepath.Join(q, "maildrop"), true, 0730)
	checkMode(t, filepath.Join(q, "public"), true, 0710)
	checkMode(t, filepath.Join(q, "pid"), true, 0755)
	checkMode(t, filepath.Join(d, "var/lib/postfix"), true, 0700)
}

// postconfIn runs the installed postconf on the installed main.cf.
func postconfIn(t *testing.T, d string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(d, "usr/sbin/postconf"), append([]string{"-c", filepath.Join(d, "etc/postfix")}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("postconf %v: %v", args, err)
	}
	return string(out)
}

func checkConfig(t *testing.T, d string) {
	t.Helper()
	got := postconfIn(t, d, "-h", "daemon_directory", "command_directory", "sendmail_path", "mailq_path", "newaliases_path")
	want := "/usr/libexec/postfix\n/usr/sbin\n/usr/sbin/sendmail\n/usr/bin/mailq\n/usr/bin/newaliases\n"
	if got != want {
		t.Errorf("installed main.cf: got\n%swant\n%s", got, want)
	}
	checkMode(t, filepath.Join(d, "etc/postfix/main.cf"), false, 0644)
	sameFile(t, filepath.Join(repoRoot(t), "etc/master.cf"), filepath.Join(d, "etc/postfix/master.cf"))
	sameFile(t, filepath.Join(repoRoot(t), "etc/aliases"), filepath.Join(d, "etc/aliases"))
	out, err := exec.Command(filepath.Join(d, "usr/sbin/postalias"), "-c", filepath.Join(d, "etc/postfix"),
		"-q", "MAILER-DAEMON", "hash:"+filepath.Join(d, "etc/aliases")).Output()
	if err != nil || string(out) != "postmaster\n" {
		t.Errorf("aliases index: %q %v", out, err)
	}
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, errA := os.ReadFile(a)
	y, errB := os.ReadFile(b)
	if errA != nil || errB != nil || string(x) != string(y) {
		t.Errorf("%s and %s differ (%v, %v)", a, b, errA, errB)
	}
}

func checkUnit(t *testing.T, d string) {
	t.Helper()
	path := filepath.Join(d, "usr/lib/systemd/system/postfix.service")
	checkMode(t, path, false, 0644)
	data, _ := os.ReadFile(path)
	for _, line := range []string{"Type=forking", "PIDFile=/var/spool/postfix/pid/master.pid",
		"ExecStart=/usr/sbin/postfix start", "ExecStop=/usr/sbin/postfix stop",
		"ExecReload=/usr/sbin/postfix reload", "ConditionPathExists=/etc/postfix/main.cf"} {
		if !strings.Contains(string(data), "\n"+line+"\n") {
			t.Errorf("unit: no line %q", line)
		}
	}
	verifyUnit(t, strings.ReplaceAll(string(data), "=/usr/sbin/postfix ", "="+d+"/usr/sbin/postfix "))
}

// verifyUnit runs systemd-analyze verify on a unit's text, when there is
// systemd-analyze.
func verifyUnit(t *testing.T, text string) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("no systemd-analyze: unit not verified")
		return
	}
	path := filepath.Join(t.TempDir(), "postfix.service")
	if err := os.WriteFile(path, []byte(text), 0644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// manifestLines returns the install manifest's lines.
func manifestLines(t *testing.T, d string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(d, "var/lib/postern/install.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// TestMakeInstall: "make install DESTDIR=... PREFIX=/usr" produces the
// expected tree and manifest; "make uninstall" removes the programs and
// keeps the configuration, the aliases and the queue.
func TestMakeInstall(t *testing.T) {
	d := destdir(t)
	out := mustMake(t, "install", "DESTDIR="+d, "PREFIX=/usr")
	if !strings.Contains(out, "Postern is installed in "+d) {
		t.Errorf("install output:\n%s", out)
	}
	checkPrograms(t, d, "usr/libexec/postfix")
	checkConfig(t, d)
	checkUnit(t, d)
	checkQueue(t, d)
	lines := manifestLines(t, d)
	for _, want := range []string{
		"f\t2755\troot\tpostdrop\t/usr/sbin/postdrop\t",
		"f\t0755\troot\t-\t/usr/libexec/postfix/master\t",
		"l\t-\troot\t-\t/usr/bin/mailq\t/usr/sbin/sendmail",
		"c\t0644\troot\t-\t/etc/postfix/main.cf\t",
		"d\t0730\tpostfix\tpostdrop\t/var/spool/postfix/maildrop\t",
		"d\t0700\tpostfix\t-\t/var/lib/postfix\t",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("manifest has no line %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}

	mustMake(t, "uninstall", "DESTDIR="+d, "PREFIX=/usr")
	for _, gone := range []string{"usr/sbin/postfix", "usr/libexec/postfix", "usr/bin/mailq",
		"usr/lib/systemd/system/postfix.service", "var/lib/postern"} {
		if _, err := os.Lstat(filepath.Join(d, gone)); err == nil {
			t.Errorf("%s is still there after uninstall", gone)
		}
	}
	for _, kept := range []string{"etc/postfix/main.cf", "etc/postfix/master.cf", "etc/aliases", "var/spool/postfix/maildrop", "var/lib/postfix"} {
		if _, err := os.Lstat(filepath.Join(d, kept)); err != nil {
			t.Errorf("%s was removed by uninstall: %v", kept, err)
		}
	}
}

// snapshot describes every file and link under dir: type, mode, size,
// content or link target.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		st, _ := os.Lstat(p)
		if st.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			out[rel] = "link " + target
			return nil
		}
		data, _ := os.ReadFile(p)
		out[rel] = fmt.Sprintf("%v %q", st.Mode(), data)
		return nil
	})
	return out
}

// distribution writes a small stand-in for a distribution's Postfix
// into d: programs, links, units, main.cf and aliases.
func distribution(t *testing.T, d string) {
	t.Helper()
	files := map[string]string{
		"usr/sbin/postfix":                      "#!/bin/sh\necho distribution postfix\n",
		"usr/sbin/sendmail":                     "#!/bin/sh\necho distribution sendmail\n",
		"usr/sbin/postcat":                      "#!/bin/sh\necho distribution postcat\n",
		"usr/libexec/postfix/smtpd":             "#!/bin/sh\necho distribution smtpd\n",
		"usr/libexec/postfix/postscreen":        "#!/bin/sh\necho distribution postscreen\n",
		"usr/libexec/postfix/postfix-script":    "#!/bin/sh\necho distribution postfix-script\n",
		"lib/systemd/system/postfix.service":    "[Unit]\nDescription=distribution Postfix\n",
		"lib/systemd/system/postfix@.service":   "[Unit]\nDescription=distribution Postfix %i\n",
		"etc/postfix/main.cf":                   "daemon_directory = /usr/lib/postfix/sbin\nmyhostname = mx.example.test\n",
		"etc/postfix/master.cf":                 "smtp inet n - y - - smtpd\n",
		"etc/aliases":                           "postmaster: root\nroot: admin\n",
		"var/spool/postfix/deferred/A/A1B2C3D4": "queued mail",
	}
	for name, text := range files {
		path := filepath.Join(d, name)
		os.MkdirAll(filepath.Dir(path), 0755)
		if err := os.WriteFile(path, []byte(text), 0755); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(d, "usr/bin"), 0755)
	os.Symlink("../sbin/sendmail", filepath.Join(d, "usr/bin/mailq"))
}

// TestMakeInstallOverPostfix: installing over a distribution's Postfix
// moves each replaced file (and each Postfix daemon Postern does not
// have) to /var/lib/postern/replaced, keeps main.cf, master.cf and the
// aliases, masks Debian's postfix@-.service; installing again keeps the
// first backups; uninstall puts the distribution back exactly.
func TestMakeInstallOverPostfix(t *testing.T) {
	d := destdir(t)
	distribution(t, d)
	before := snapshot(t, d)
	out := mustMake(t, "install", "DESTDIR="+d, "PREFIX=/usr")
	for _, want := range []string{
		"replaced /usr/sbin/postfix\n",
		"The files replaced are kept under /var/lib/postern/replaced; make uninstall puts them back.",
		"replaced /usr/libexec/postfix/postscreen",
		"replaced /lib/systemd/system/postfix.service",
		"masked postfix@-.service",
		"warning: /etc/postfix/main.cf has daemon_directory = /usr/lib/postfix/sbin, but this install uses /usr/libexec/postfix",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("install output has no %q:\n%s", want, out)
		}
	}
	after := snapshot(t, d)
	for _, same := range []string{"etc/postfix/main.cf", "etc/postfix/master.cf", "etc/aliases",
		"usr/sbin/postcat", "usr/libexec/postfix/postfix-script", "lib/systemd/system/postfix@.service",
		"var/spool/postfix/deferred/A/A1B2C3D4"} {
		if after[same] != before[same] {
			t.Errorf("%s was changed by install", same)
		}
	}
	if after["var/lib/postern/replaced/usr/sbin/postfix"] != before["usr/sbin/postfix"] {
		t.Error("the distribution's postfix is not in the backup")
	}
	if _, ok := after["usr/libexec/postfix/postscreen"]; ok {
		t.Error("postscreen (a Postfix daemon Postern has not) was left in the daemon directory")
	}
	checkLink(t, filepath.Join(d, "etc/systemd/system/postfix@-.service"), "/dev/null")
	if !strings.Contains(after["lib/systemd/system/postfix.service"], "ExecStart=/usr/sbin/postfix start") {
		t.Error("the distribution's unit was not replaced")
	}

	mustMake(t, "install", "DESTDIR="+d, "PREFIX=/usr")
	again := snapshot(t, d)
	if again["var/lib/postern/replaced/usr/sbin/postfix"] != before["usr/sbin/postfix"] {
		t.Error("a second install replaced the backup of the distribution's postfix")
	}

	mustMake(t, "uninstall", "DESTDIR="+d, "PREFIX=/usr")
	restored := snapshot(t, d)
	for name, desc := range before {
		if restored[name] != desc {
			t.Errorf("%s after uninstall: %.80s, want %.80s", name, restored[name], desc)
		}
	}
	for name := range restored {
		if _, ok := before[name]; !ok && !strings.HasPrefix(name, "etc/aliases.") {
			t.Errorf("%s left behind by uninstall", name)
		}
	}
}

// TestMakeInstallLayout: DAEMON_DIRECTORY (Debian's /usr/lib/postfix/sbin)
// reaches both the build's defaults and the installer, and the installer
// refuses programs built for other directories.
func TestMakeInstallLayout(t *testing.T) {
	out := mustMake(t, "-n", "install", "DESTDIR=/nonexistent", "PREFIX=/usr", "DAEMON_DIRECTORY=/usr/lib/postfix/sbin")
	for _, want := range []string{
		"-X github.com/postern/postern/pkg/config.DefaultDaemonDirectory=/usr/lib/postfix/sbin",
		`scripts/install "/nonexistent" "/usr" "/usr/lib/postfix/sbin" "/usr/sbin" "/etc/postfix"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("make -n install has no %q:\n%s", want, out)
		}
	}
	out = mustMake(t, "-n", "uninstall", "DESTDIR=/nonexistent", "PREFIX=/usr")
	if !strings.Contains(out, `scripts/uninstall "/nonexistent" "/usr" "/usr/libexec/postfix" "/usr/sbin"`) {
		t.Errorf("make -n uninstall:\n%s", out)
	}
	mustMake(t, "build")
	d := destdir(t)
	cmd := exec.Command(filepath.Join(repoRoot(t), "scripts/install"), d, "/usr", "/usr/lib/postfix/sbin", "/usr/sbin", "/etc/postfix")
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "were built for other directories (/usr/libexec/postfix /usr/sbin /etc/postfix)") {
		t.Errorf("install with mismatched programs: %v\n%s", err, msg)
	}
	if entries, _ := os.ReadDir(d); len(entries) != 0 {
		t.Errorf("a refused install left %d entries in DESTDIR", len(entries))
	}
}

// TestSystemdUnit: etc/postfix.service passes systemd-analyze verify.
func TestSystemdUnit(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("no systemd-analyze")
	}
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "etc/postfix.service"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		// verify wants ExecStart's program to exist; any will do.
		text = strings.ReplaceAll(text, "/usr/sbin/postfix", "/bin/true")
	}
	verifyUnit(t, text)
}

// TestInstalledTreeRuns: as root, the tree of a DESTDIR install, pointed
// at its own queue and data directories inside DESTDIR, passes "postfix
// check" without a warning, starts, answers SMTP, writes the PID file the
// systemd unit names, reports its status, and stops.
func TestInstalledTreeRuns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the installed programs run as in production")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skip("no postfix user")
	}
	d := destdir(t)
	mustMake(t, "install", "DESTDIR="+d, "PREFIX=/usr")
	inst := privateInstance(t, d, "usr/libexec/postfix", "maillog_file = "+filepath.Join(d, "maillog"))
	if out, err := inst.Postfix("set-permissions"); err != nil {
		t.Fatalf("postfix set-permissions: %v\n%s", err, out)
	}
	for _, name := range []string{"postdrop", "postqueue"} {
		st := checkMode(t, filepath.Join(inst.BinDir, name), false, 0755|os.ModeSetgid)
		if g, err := user.LookupGroup("postdrop"); st != nil && err == nil && fmt.Sprint(st.Gid) != g.Gid {
			t.Errorf("%s: group %d after set-permissions, want postdrop", name, st.Gid)
		}
	}
	out, err := inst.Postfix("check")
	if err != nil || strings.Contains(inst.Log(), "warning") || strings.Contains(inst.Log(), "fatal") {
		t.Fatalf("postfix check: %v\n%s\nlog:\n%s", err, out, inst.Log())
	}
	inst.Start(t)
	inst.WaitLog(t, `postfix/master\[\d+\]: daemon started -- version 3\.7\.11, configuration `+inst.ConfigDir+`$`)
	c := inst.Dial(t, "smtp")
	banner, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(banner, "220 mx.example.test ESMTP") {
		t.Errorf("banner %q, %v", banner, err)
	}
	c.Close()
	pid := inst.MasterPID()
	data, _ := os.ReadFile(filepath.Join(inst.QueueDir, "pid/master.pid"))
	if pid == 0 || strings.TrimSpace(string(data)) != fmt.Sprint(pid) {
		t.Errorf("pid file %q, master %d", data, pid)
	}
	if out, err := inst.Postfix("status"); err != nil {
		t.Errorf("postfix status: %v\n%s", err, out)
	}
	inst.Stop(t)
	if out, err := inst.Postfix("status"); err == nil {
		t.Errorf("postfix status after stop succeeded:\n%s", out)
	}
}

// buildTop makes a source tree for scripts/install whose bin/ holds
// programs built with the given directories, without touching the
// repository's bin/: scripts, cmd and etc are links to the repository's.
func buildTop(t *testing.T, daemonDir, commandDir, configDir string) string {
	t.Helper()
	top := t.TempDir()
	root := repoRoot(t)
	for _, d := range []string{"scripts", "cmd", "etc"} {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(top, d)); err != nil {
			t.Fatal(err)
		}
	}
	pkg := "github.com/postern/postern/pkg/config"
	// -w (no DWARF) halves the linker's time; the programs behave the same.
	ldflags := fmt.Sprintf("-w -X %s.DefaultDaemonDirectory=%s -X %s.DefaultCommandDirectory=%s -X %s.DefaultConfigDirectory=%s",
		pkg, daemonDir, pkg, commandDir, pkg, configDir)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags, "-o", filepath.Join(top, "bin")+"/", "./cmd/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return top
}

// copyTree copies the files and links of the host that exist into d.
func copyTree(t *testing.T, d string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			continue
		}
		dst := filepath.Join(d, p)
		os.MkdirAll(filepath.Dir(dst), 0755)
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			err = os.Symlink(target, dst)
		case st.Mode().IsRegular():
			var data []byte
			if data, err = os.ReadFile(p); err == nil {
				err = os.WriteFile(dst, data, st.Mode().Perm())
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestInstallOverDebianRuns: a copy of this host's Debian Postfix
// (programs, units, main.cf, master.cf, aliases) in a DESTDIR, replaced
// by "make install DAEMON_DIRECTORY=/usr/lib/postfix/sbin": the Debian
// main.cf and master.cf are kept unchanged and run under Postern
// (chrooted services included) once pointed at private directories and
// a free port; uninstall gives the Debian files back.
func TestInstallOverDebianRuns(t *testing.T) {
	t.Parallel() // its own build and tree; never the repository's bin/
	if testing.Short() {
		t.Skip("builds every program once more")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	daemons, _ := filepath.Glob("/usr/lib/postfix/sbin/*")
	if len(daemons) == 0 || !fileExists("/etc/postfix/main.cf") || !fileExists("/etc/postfix/master.cf") {
		t.Skip("no Debian Postfix on this host")
	}
	d := destdir(t)
	copyTree(t, d, append(daemons, "/etc/postfix/main.cf", "/etc/postfix/master.cf", "/etc/aliases",
		"/usr/sbin/postfix", "/usr/sbin/postconf", "/usr/sbin/postmap", "/usr/sbin/postalias",
		"/usr/sbin/postqueue", "/usr/sbin/postsuper", "/usr/sbin/postdrop", "/usr/sbin/sendmail",
		"/usr/sbin/postcat", "/usr/bin/mailq", "/usr/bin/newaliases", "/usr/lib/sendmail",
		"/lib/systemd/system/postfix.service", "/lib/systemd/system/postfix@.service")...)
	before := snapshot(t, d)
	top := buildTop(t, "/usr/lib/postfix/sbin", "/usr/sbin", "/etc/postfix")
	install := exec.Command(filepath.Join(top, "scripts/install"), d, "/usr", "/usr/lib/postfix/sbin", "/usr/sbin", "/etc/postfix")
	if out, err := install.CombinedOutput(); err != nil || strings.Contains(string(out), "warning") {
		t.Fatalf("install: %v\n%s", err, out)
	}
	after := snapshot(t, d)
	for _, kept := range []string{"etc/postfix/main.cf", "etc/postfix/master.cf"} {
		if after[kept] != before[kept] {
			t.Errorf("%s changed", kept)
		}
	}
	runDebianCopy(t, d)
	uninstall := exec.Command(filepath.Join(top, "scripts/uninstall"), d, "/usr", "/usr/lib/postfix/sbin", "/usr/sbin")
	if out, err := uninstall.CombinedOutput(); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, out)
	}
	restored := snapshot(t, d)
	for name, desc := range before {
		if !strings.HasPrefix(name, "etc/") && restored[name] != desc {
			t.Errorf("%s not restored", name)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// runDebianCopy points the copied Debian configuration at directories
// inside d and a free loopback port, then checks, starts, talks SMTP to
// and stops it.
func runDebianCopy(t *testing.T, d string) {
	t.Helper()
	inst := privateInstance(t, d, "usr/lib/postfix/sbin", "maillog_file = "+filepath.Join(d, "maillog"))
	aliases := filepath.Join(d, "etc/aliases")
	if fileExists(aliases) {
		if out, err := exec.Command(filepath.Join(d, "usr/sbin/postalias"), "-c", inst.ConfigDir, aliases).CombinedOutput(); err != nil {
			t.Fatalf("postalias: %v\n%s", err, out)
		}
	}
	for _, cmd := range []string{"set-permissions", "check"} {
		if out, err := inst.Postfix(cmd); err != nil || strings.Contains(inst.Log(), "fatal") {
			t.Fatalf("postfix %s: %v\n%s\n%s", cmd, err, out, inst.Log())
		}
	}
	inst.Start(t)
	c := inst.Dial(t, "smtp")
	banner, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(banner, "220 mx.example.test ESMTP") {
		t.Errorf("banner %q, %v\n%s", banner, err, inst.Log())
	}
	c.Close()
	inst.Stop(t)
}

// privateInstance points the installed configuration in d at
// directories inside d (daemons in daemonDir), loopback IPv4 and a free
// port for the smtp inet service, and describes it for the harness.
func privateInstance(t *testing.T, d, daemonDir string, mainCF ...string) *harness.Instance {
	t.Helper()
	inst := &harness.Instance{
		Dir: d, ConfigDir: filepath.Join(d, "etc/postfix"), QueueDir: filepath.Join(d, "var/spool/postfix"),
		DataDir: filepath.Join(d, "var/lib/postfix"), BinDir: filepath.Join(d, "usr/sbin"),
		LogFile: filepath.Join(d, "maillog"), Ports: map[string]int{"smtp": harness.FreePort(t)},
	}
	aliases := filepath.Join(d, "etc/aliases")
	postconfIn(t, d, append([]string{"-e",
		"queue_directory = " + inst.QueueDir, "data_directory = " + inst.DataDir,
		"daemon_directory = " + filepath.Join(d, daemonDir), "command_directory = " + inst.BinDir,
		"meta_directory = " + inst.ConfigDir, "maillog_file_prefixes = " + d + ", /dev/stdout",
		"inet_interfaces = 127.0.0.1", "inet_protocols = ipv4", "myhostname = mx.example.test",
		"alias_maps = hash:" + aliases, "alias_database = hash:" + aliases},
		append(harness.RaceMainCF(), mainCF...)...)...)
	masterCF := filepath.Join(inst.ConfigDir, "master.cf")
	text, err := os.ReadFile(masterCF)
	if err != nil {
		t.Fatal(err)
	}
	smtp := regexp.MustCompile(`(?m)^smtp(\s+inet\s)`)
	if !smtp.Match(text) {
		t.Fatalf("no smtp inet service in the installed master.cf:\n%s", text)
	}
	text = smtp.ReplaceAll(text, []byte(inst.Addr(t, "smtp")+"$1"))
	if err := os.WriteFile(masterCF, text, 0644); err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestInstalledTreeStartFgAsPID1: the container sequence of
// docs/install.md on an installed tree: maillog_file = /dev/stdout,
// set-permissions, check, then "postfix start-fg" as PID 1 of a new PID
// namespace (what a container runs): the log reaches standard output,
// SMTP answers, and SIGTERM to the master ends it with status 0.
func TestInstalledTreeStartFgAsPID1(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	d := destdir(t)
	mustMake(t, "install", "DESTDIR="+d, "PREFIX=/usr")
	inst := privateInstance(t, d, "usr/libexec/postfix", "maillog_file = /dev/stdout")
	for _, cmd := range []string{"set-permissions", "check"} {
		if out, err := inst.Postfix(cmd); err != nil {
			t.Fatalf("postfix %s: %v\n%s", cmd, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--pid", "--fork", "--mount-proc",
		filepath.Join(inst.BinDir, "postfix"), "-c", inst.ConfigDir, "start-fg")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Skipf("unshare: %v", err)
	}
	// Never "postfix stop" from here: the pid file holds the master's
	// pid in its namespace, 1.
	t.Cleanup(func() {
		for _, p := range inst.Processes() {
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
	})
	harness.Eventually(t, "daemon started on standard output", func() bool {
		return strings.Contains(out.String(), "postfix/master[1]: daemon started -- version 3.7.11")
	})
	c := inst.Dial(t, "smtp")
	banner, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(banner, "220 mx.example.test ESMTP") {
		t.Errorf("banner %q, %v", banner, err)
	}
	c.Close()
	master := 0
	for _, p := range inst.Processes() {
		if filepath.Base(p.Args[0]) == "master" && slices.Contains(p.Args, "-i") {
			master = p.PID
		}
	}
	if master == 0 {
		t.Fatalf("no master -i among %v", inst.Processes())
	}
	syscall.Kill(master, syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("start-fg: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "postfix/master[1]: terminating on signal 15") {
		t.Errorf("output:\n%s", out.String())
	}
}

// syncBuffer is a bytes.Buffer for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// isolatedHost runs script with sh in new mount and network namespaces
// where /usr/local, /etc/postfix, /etc/systemd/system, /var/lib and
// /var/spool are directories of root: an install without DESTDIR there
// touches none of the host's files or ports. The script's arguments are
// root and top.
func isolatedHost(t *testing.T, root, top, script string) string {
	t.Helper()
	mounts := ""
	for _, d := range []string{"/usr/local", "/etc/postfix", "/etc/systemd/system", "/var/lib", "/var/spool", "/run/systemd"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0755); err != nil {
			t.Fatal(err)
		}
		if fileExists(d) {
			mounts += fmt.Sprintf("mount --bind %s%s %s\n", root, d, d)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--net", "--propagation", "private",
		"sh", "-ec", mounts+"(ip link set lo up || true) 2>/dev/null\n"+script, "sh", root, top)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

// TestInstallWithoutDestdir: the install an administrator runs, as root
// without DESTDIR (PREFIX=/usr/local), in private mount and network
// namespaces: programs with their owners and modes, a new main.cf,
// set-permissions' queue owners, then check, start, a refused second
// install while the mail system runs, status, stop, and uninstall.
func TestInstallWithoutDestdir(t *testing.T) {
	t.Parallel() // its own build and tree; never the repository's bin/
	if testing.Short() {
		t.Skip("builds every program once more")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	owner, group := lookupIDs(t, "postfix", "postdrop")
	root := destdir(t)
	top := buildTop(t, "/usr/local/libexec/postfix", "/usr/local/sbin", "/etc/postfix")
	out := isolatedHost(t, root, top, `
"$2/scripts/install" "" /usr/local /usr/local/libexec/postfix /usr/local/sbin /etc/postfix
postconf=/usr/local/sbin/postconf
$postconf -e "maillog_file = /var/spool/maillog" "myhostname = mx.example.test"
/usr/local/sbin/postfix check
/usr/local/sbin/postfix start
if "$2/scripts/install" "" /usr/local /usr/local/libexec/postfix /usr/local/sbin /etc/postfix; then
	echo "install under a running mail system succeeded"; exit 1
fi
/usr/local/sbin/postfix status
/usr/local/sbin/postfix stop
`)
	if !strings.Contains(out, "error: the mail system is running (lock /var/spool/postfix/pid/master.pid)") {
		t.Errorf("output:\n%s", out)
	}
	st := checkMode(t, filepath.Join(root, "usr/local/sbin/postqueue"), false, 0755|os.ModeSetgid)
	if st != nil && (st.Uid != 0 || int(st.Gid) != group) {
		t.Errorf("postqueue: owner %d:%d", st.Uid, st.Gid)
	}
	checkMode(t, filepath.Join(root, "usr/local/libexec/postfix/master"), false, 0755)
	checkLink(t, filepath.Join(root, "usr/local/bin/mailq"), "/usr/local/sbin/sendmail")
	for dir, uid := range map[string]int{"var/spool/postfix/active": owner, "var/spool/postfix/maildrop": owner,
		"var/spool/postfix/pid": 0, "var/lib/postfix": owner} {
		if st, err := os.Stat(filepath.Join(root, dir)); err != nil || int(st.Sys().(*syscall.Stat_t).Uid) != uid {
			t.Errorf("%s: %v, want owner %d", dir, err, uid)
		}
	}
	log, _ := os.ReadFile(filepath.Join(root, "var/spool/maillog"))
	for _, want := range []string{"postfix/master[", "daemon started -- version 3.7.11, configuration /etc/postfix",
		"the Postfix mail system is running: PID: ", "terminating on signal 15"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log has no %q:\n%s", want, log)
		}
	}
	if strings.Contains(string(log), "warning:") {
		t.Errorf("warnings in the log:\n%s", log)
	}
	unit, _ := os.ReadFile(filepath.Join(root, "usr/local/lib/systemd/system/postfix.service"))
	if !strings.Contains(string(unit), "ExecStart=/usr/local/sbin/postfix start\n") {
		t.Errorf("unit:\n%s", unit)
	}

	isolatedHost(t, root, top, `"$2/scripts/uninstall" "" /usr/local /usr/local/libexec/postfix /usr/local/sbin`)
	for _, gone := range []string{"usr/local/sbin/postfix", "usr/local/libexec/postfix", "usr/local/bin/mailq", "var/lib/postern"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("%s left after uninstall", gone)
		}
	}
	for _, kept := range []string{"etc/postfix/main.cf", "var/spool/postfix/maildrop", "var/lib/postfix"} {
		if _, err := os.Lstat(filepath.Join(root, kept)); err != nil {
			t.Errorf("%s removed by uninstall", kept)
		}
	}
}
