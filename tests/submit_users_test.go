package tests

// Local submission by unprivileged users through the set-group-ID
// postdrop, and by real mail clients (GNU mailutils' mail, s-nail)
// pointed at Postern's sendmail.

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// testUser is an account a test creates and removes.
type testUser struct {
	name     string
	uid, gid int
}

func (u testUser) cred() *syscall.Credential {
	return &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{}}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the set-group-ID postdrop and test users")
	}
	if _, err := user.LookupGroup("postdrop"); err != nil {
		t.Skip("no postdrop group on this system")
	}
}

// addUser creates a user without a home directory; it is removed when
// the test ends.
func addUser(t *testing.T, tag, gecos string) testUser {
	t.Helper()
	name := fmt.Sprintf("pst%d%s", os.Getpid()%100000, tag)
	out, err := exec.Command("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-c", gecos, name).CombinedOutput()
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
	return testUser{name: name, uid: uid, gid: gid}
}

// setgidCommands installs sendmail and a set-group-ID postdrop in
// DIR/sbin, as "postfix set-permissions" leaves them. postdrop is built
// with the instance's configuration directory as its default, as a
// packaged postdrop knows its own: a set-group-ID postdrop accepts
// another directory only when the default main.cf authorizes it.
func setgidCommands(t *testing.T, inst *harness.Instance, bin string) string {
	t.Helper()
	sbin := filepath.Join(inst.Dir, "sbin")
	if err := os.MkdirAll(sbin, 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(sbin, "postdrop"), "-ldflags",
		"-X github.com/postern/postern/pkg/config.DefaultConfigDirectory="+inst.ConfigDir, "./cmd/postdrop")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build postdrop: %v\n%s", err, out)
	}
	g, _ := user.LookupGroup("postdrop")
	gid, _ := strconv.Atoi(g.Gid)
	os.Chown(filepath.Join(sbin, "postdrop"), 0, gid)
	if err := os.Chmod(filepath.Join(sbin, "postdrop"), 0o2755|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sendmail", "postqueue"} {
		if err := os.Symlink(filepath.Join(bin, name), filepath.Join(sbin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return sbin
}

func userEnv(inst *harness.Instance) []string {
	return []string{"MAIL_CONFIG=" + inst.ConfigDir, "PATH=/usr/bin:/bin", "HOME=/"}
}

// TestUnprivilegedSubmission: an ordinary user submits through the
// set-group-ID postdrop; the maildrop file is hers, and another user
// can neither list maildrop nor read or remove her file; pickup logs her
// uid. A configuration directory the default main.cf does not authorize
// is refused.
func TestUnprivilegedSubmission(t *testing.T) {
	requireRoot(t)
	alice := addUser(t, "a", "Alice Test,,,")
	bob := addUser(t, "b", "Bob Test,,,")
	inst := harness.New(t, nil, submitMaster)
	bin := submitCommands(t)
	sbin := setgidCommands(t, inst, bin)
	inst.WriteMainCF(t, []string{"minimal_backoff_time = 300s", "command_directory = " + sbin,
		"local_login_sender_maps = inline:{ {" + alice.name + " = " + alice.name + ", @example.org} }"})
	inst.Start(t)
	if out, err := inst.Postfix("stop"); err != nil { // mail waits in maildrop
		t.Fatalf("postfix stop: %v\n%s", err, out)
	}
	sendmail := filepath.Join(sbin, "sendmail")
	res := runAs(t, alice.cred(), userEnv(inst), "Subject: from alice\n\nprivate\n", sendmail, "bob@example.com")
	if res.code != 0 || res.stdout != "" {
		t.Fatalf("sendmail as %s: %+v", alice.name, res)
	}
	drop, _ := os.ReadDir(filepath.Join(inst.QueueDir, "maildrop"))
	if len(drop) != 1 {
		t.Fatalf("maildrop holds %d files", len(drop))
	}
	path := filepath.Join(inst.QueueDir, "maildrop", drop[0].Name())
	var st syscall.Stat_t
	syscall.Stat(path, &st)
	if int(st.Uid) != alice.uid || st.Mode&0o7777 != 0o744 {
		t.Errorf("maildrop file owner %d mode %o, want %d 744", st.Uid, st.Mode&0o7777, alice.uid)
	}
	// local_login_sender_maps: alice may use her login name and
	// @example.org only.
	refused := runAs(t, alice.cred(), userEnv(inst), "Subject: forged\n\nx\n", sendmail, "-f", "boss@evil.example", "bob@example.com")
	if want := fmt.Sprintf("sendmail: fatal: boss@evil.example(%d): not authorized to use sender='boss@evil.example'\n", alice.uid); refused.code != 75 || refused.stderr != want {
		t.Errorf("forged sender: %+v", refused)
	}
	if ok := runAs(t, alice.cred(), userEnv(inst), "Subject: allowed\n\nx\n", sendmail, "-f", "alice@example.org", "bob@example.com"); ok.code != 0 {
		t.Errorf("sender @example.org: %+v", ok)
	}
	if drop, _ := os.ReadDir(filepath.Join(inst.QueueDir, "maildrop")); len(drop) != 2 {
		t.Errorf("maildrop holds %d files, want 2", len(drop))
	}
	for _, u := range []testUser{bob, alice} {
		for _, argv := range [][]string{
			{"/bin/ls", filepath.Join(inst.QueueDir, "maildrop")},
			{"/bin/cat", path},
			{"/bin/rm", "-f", path},
		} {
			r := runAs(t, u.cred(), userEnv(inst), "", argv[0], argv[1:]...)
			if r.code == 0 || !strings.Contains(r.stderr, "Permission denied") {
				t.Errorf("%s as %s: %+v", strings.Join(argv, " "), u.name, r)
			}
		}
	}
	// An unauthorized configuration directory.
	other := t.TempDir()
	os.Chmod(other, 0o755)
	data, _ := os.ReadFile(filepath.Join(inst.ConfigDir, "main.cf"))
	os.WriteFile(filepath.Join(other, "main.cf"), data, 0o644)
	bad := runAs(t, alice.cred(), []string{"MAIL_CONFIG=" + other, "PATH=/usr/bin:/bin"}, "x\n", sendmail, "bob@example.com")
	want := "postdrop: error: unauthorized configuration directory name: " + other + "\n"
	if bad.code != 75 || !strings.HasPrefix(bad.stderr, want) ||
		!strings.HasSuffix(bad.stderr, fmt.Sprintf("sendmail: fatal: %s(%d): unable to execute %s/postdrop -r: Application error\n", alice.name, alice.uid, sbin)) {
		t.Errorf("unauthorized MAIL_CONFIG: %+v", bad)
	}
	if out, err := inst.Postfix("start"); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	id := pickedUp(t, inst, alice.uid, alice.name)
	f := queued(t, inst, id)
	if text := messageText(t, f); !strings.Contains(text, fmt.Sprintf("(Postfix, from userid %d)", alice.uid)) ||
		!strings.Contains(text, "\nFrom: Alice Test <"+alice.name+"@mx.example.test>\n") {
		t.Errorf("message:\n%s", text)
	}
}

// TestMailClients: GNU mailutils' mail and s-nail, pointed at Postern's
// sendmail, send "mail -s SUBJECT user@domain" (Debian packages
// mailutils and s-nail).
func TestMailClients(t *testing.T) {
	inst, bin := submitInstance(t)
	home := t.TempDir()
	mailrc := filepath.Join(home, "mailrc")
	os.WriteFile(mailrc, []byte("set sendmail=sendmail://"+filepath.Join(bin, "sendmail")+"\n"), 0o644)
	env := []string{"MAIL_CONFIG=" + inst.ConfigDir, "PATH=/usr/bin:/bin", "HOME=" + home, "MAILRC=" + mailrc, "LANG=C"}
	clients := []struct {
		name string
		args []string
	}{
		{"mail.mailutils", []string{"-s", "subject from mailutils", "user@example.com"}},
		{"s-nail", []string{"-n", "-S", "mta=" + filepath.Join(bin, "sendmail"), "-s", "subject from s-nail", "user@example.com"}},
	}
	sent := 0
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			path, err := exec.LookPath(c.name)
			if err != nil {
				t.Skipf("%s is not installed (apt-get install mailutils s-nail)", c.name)
			}
			res := runAs(t, nil, env, "body from "+c.name+"\n", path, c.args...)
			if res.code != 0 {
				t.Fatalf("%s: %+v", c.name, res)
			}
			sent++
			m := inst.WaitLogCount(t, `postfix/pickup\[\d+\]: ([0-9A-F]+): uid=\d+ from=<[^>]*>$`, sent)
			id := m[sent-1][1]
			f := queued(t, inst, id)
			if got := strings.Join(recipients(f), ","); got != "user@example.com" {
				t.Errorf("recipients %s", got)
			}
			subject := c.args[len(c.args)-2]
			if text := messageText(t, f); !strings.Contains(text, "\nSubject: "+subject+"\n") ||
				!strings.Contains(text, "body from "+c.name+"\n") {
				t.Errorf("message:\n%s", text)
			}
		})
	}
}
