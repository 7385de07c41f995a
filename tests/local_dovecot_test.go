package tests

// local(8) with "mailbox_transport = lmtp:unix:private/dovecot-lmtp",
// the Dovecot setup of the Red Hat guide: local hands each mailbox
// delivery to the lmtp transport (Postfix's deliver_pass()), which
// talks LMTP to a private Dovecot listening in the queue directory.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// privateDovecot is a Dovecot with LMTP on one UNIX socket and Maildirs
// in dir/mail, owned by nobody.
type privateDovecot struct {
	dir, conf string
}

func startPrivateDovecot(t *testing.T, dir, sock string, users ...string) *privateDovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		t.Skip("dovecot not installed")
	}
	d := &privateDovecot{dir: dir, conf: filepath.Join(dir, "dovecot.conf")}
	os.MkdirAll(dir, 0o755)
	for _, p := range []string{"run", "state", "mail"} {
		os.Mkdir(filepath.Join(dir, p), 0o755)
	}
	os.Chown(filepath.Join(dir, "mail"), 65534, 65534)
	var pw strings.Builder
	for _, u := range users {
		fmt.Fprintf(&pw, "%s:{PLAIN}x:65534:65534::%s/mail/%s::\n", u, dir, u)
	}
	os.WriteFile(filepath.Join(dir, "passwd"), []byte(pw.String()), 0o644)
	conf := fmt.Sprintf(privateDovecotConf, dir, dir, dir, dir, dir, sock)
	os.WriteFile(d.conf, []byte(conf), 0o644)
	out, _ := os.Create(filepath.Join(dir, "startup.log"))
	cmd := exec.Command(bin, "-c", d.conf)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	out.Close()
	if err != nil {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("dovecot: %v %s", err, b)
	}
	t.Cleanup(d.stop)
	harness.Eventually(t, "dovecot's LMTP socket", func() bool { _, err := os.Stat(sock); return err == nil })
	return d
}

const privateDovecotConf = `base_dir = %s/run
state_dir = %s/state
log_path = %s/dovecot.log
protocols = lmtp
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
auth_username_format = %%Ln
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = %s/passwd
}
userdb {
  driver = passwd-file
  args = %s/passwd
}
service lmtp {
  unix_listener %s {
    mode = 0666
  }
}
service anvil {
  chroot =
}
`

func (d *privateDovecot) stop() { stopDovecot(d.dir, d.conf) }

// TestLocalMailboxTransportDovecot: an alias to a user and the user
// itself both reach Dovecot through mailbox_transport.
func TestLocalMailboxTransportDovecot(t *testing.T) {
	t.Parallel()
	ls := newLocalSetup(t)
	ls.inst.WriteMasterCF(t, localMaster+"lmtp unix - - n - - lmtp\n")
	if _, err := exec.LookPath("dovecot"); err != nil {
		t.Skip("dovecot not installed")
	}
	sock := filepath.Join(ls.inst.QueueDir, "private", "dovecot-lmtp")
	user := fmt.Sprintf("dov%d", os.Getpid()%100000)
	ls.writeAliases(t, "postmaster: root\nsales: "+user+"\n")
	ls.start(t, "mailbox_transport = lmtp:unix:private/dovecot-lmtp")
	d := startPrivateDovecot(t, filepath.Join(ls.dir, "dovecot"), sock, user)
	dom := "@mx.example.test"
	ls.send(t, "alice@example.org", []string{user + dom}, "Subject: lmtp\n\nbody\n")
	ls.inst.WaitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: passing <`+regexpQuote(user+dom)+`> to transport=lmtp`)
	ls.inst.WaitLog(t, `postfix/lmtp\[\d+\]: [0-9A-F]+: to=<`+regexpQuote(user+dom)+
		`>, relay=mx\.example\.test\[private/dovecot-lmtp\], .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 <`)
	ls.send(t, "alice@example.org", []string{"sales" + dom}, "Subject: lmtp alias\n\nbody\n")
	ls.inst.WaitLog(t, `postfix/lmtp\[\d+\]: [0-9A-F]+: to=<`+regexpQuote(user+dom)+`>, orig_to=<sales@mx\.example\.test>, relay=mx\.example\.test\[.*private/dovecot-lmtp\].*status=sent`)
	harness.Eventually(t, "two messages in the Dovecot maildir", func() bool {
		files, _ := filepath.Glob(filepath.Join(d.dir, "mail", user, "Maildir", "new", "*"))
		return len(files) == 2
	})
}
