package tests

// A private Dovecot for the end-to-end tests: its own dovecot.conf in a
// temporary directory (base_dir, state, log, passwd-file passdb and
// userdb, Maildirs), LMTP on a UNIX socket (a path the test chooses:
// Postern's $queue_directory/private/dovecot-lmtp, owned by postfix as
// the Dovecot wiki's Postfix recipe has it) and on a loopback port.
// Never the system's Dovecot.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

type e2eDovecot struct {
	dir, conf, sock string
	port            int
}

// e2eDovecotConf: %[1]s the directory, %[2]s the LMTP socket, %[3]d the
// LMTP port, %[4]s the owner of the socket.
const e2eDovecotConf = `base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = lmtp
ssl = no
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
auth_username_format = %%Ln
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = %[1]s/passwd
}
service lmtp {
  unix_listener %[2]s {
    mode = 0600
    user = %[4]s
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = %[3]d
  }
}
service anvil {
  chroot =
}
`

// startE2EDovecot starts Dovecot with LMTP on sock and on port (0: a
// free one), for the users named (mail stored as nobody under
// DIR/mail/USER).
func startE2EDovecot(t *testing.T, sock string, port int, users ...string) *e2eDovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		t.Skip("dovecot not installed (apt-get install dovecot-core dovecot-lmtpd)")
	}
	if os.Geteuid() != 0 {
		t.Skip("a private dovecot needs root")
	}
	owner := "root"
	if _, err := user.Lookup("postfix"); err == nil {
		owner = "postfix"
	}
	if port == 0 {
		port = harness.FreePort(t)
	}
	d := &e2eDovecot{dir: t.TempDir(), sock: sock, port: port}
	// Dovecot's auth and lmtp processes run as other users.
	os.Chmod(filepath.Dir(d.dir), 0o755)
	os.Chmod(d.dir, 0o755)
	for _, sub := range []string{"run", "state", "mail"} {
		os.Mkdir(filepath.Join(d.dir, sub), 0o755)
	}
	os.Chown(filepath.Join(d.dir, "mail"), 65534, 65534)
	var passwd strings.Builder
	for _, u := range users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}secret:65534:65534::%s/mail/%s::\n", u, d.dir, u)
	}
	d.conf = filepath.Join(d.dir, "dovecot.conf")
	e2eWrite(t, filepath.Join(d.dir, "passwd"), passwd.String())
	e2eWrite(t, d.conf, fmt.Sprintf(e2eDovecotConf, d.dir, sock, d.port, owner))
	// The master daemonizes: its output goes to a file, not to a pipe
	// that the daemon would keep open.
	out, err := os.Create(filepath.Join(d.dir, "startup.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", d.conf)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	out.Close()
	if err != nil {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("dovecot: %v %s", err, b)
	}
	t.Cleanup(d.stop)
	e2eWaitDial(t, "unix", sock)
	e2eWaitDial(t, "tcp", d.addr())
	return d
}

func (d *e2eDovecot) addr() string { return "127.0.0.1:" + strconv.Itoa(d.port) }

// stop stops Dovecot's master and waits (bounded) for it.
func (d *e2eDovecot) stop() { stopDovecot(d.dir, d.conf) }

// stopDovecot stops the private Dovecot whose base directory is dir and
// whose configuration is conf, and waits (bounded) for its master.
func stopDovecot(dir, conf string) {
	pidText, _ := os.ReadFile(filepath.Join(dir, "run", "master.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exec.CommandContext(ctx, "doveadm", "-c", conf, "stop").Run()
	for i := 0; pid > 0 && i < 200; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// fetch reads user's mailbox back through Dovecot: "doveadm fetch -u USER
// text ALL" (every message, header and body).
func (d *e2eDovecot) fetch(t *testing.T, user string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "doveadm", "-c", d.conf, "fetch", "-u", user, "text", "ALL").CombinedOutput()
	if err != nil {
		t.Fatalf("doveadm fetch -u %s: %v\n%s", user, err, out)
	}
	return string(out)
}

// waitFetch waits until user's mailbox holds a message containing want
// and returns the whole fetch output.
func (d *e2eDovecot) waitFetch(t *testing.T, inst *harness.Instance, user, want string) string {
	t.Helper()
	var out string
	deadline := time.Now().Add(harness.Timeout)
	for {
		out = d.fetch(t, user)
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
			t.Fatalf("%s's mailbox has no %q:\n%s\ndovecot log:\n%s\npostern log:\n%s", user, want, out, log, inst.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func e2eWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
