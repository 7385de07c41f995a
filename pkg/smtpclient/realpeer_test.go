package smtpclient

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/internal/testport"
)

// Real peers: Postfix's smtp-sink and a private Dovecot, started by the
// tests on free loopback ports and temporary sockets, and stopped by
// them. Tests are skipped when the programs are not installed.

const smtpSinkPath = "/usr/sbin/smtp-sink"

func freePort(t *testing.T) int {
	t.Helper()
	return testport.Free(t)
}

// waitDial waits (bounded) until network/addr accepts connections.
func waitDial(t *testing.T, network, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout(network, addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s not reachable: %v", network, addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startProcess starts a program that is killed when the test ends.
func startProcess(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
}

// startSink runs smtp-sink on a free port with extra options; messages
// are dumped into the returned directory.
func startSink(t *testing.T, opts ...string) (addr, dir string) {
	t.Helper()
	if _, err := os.Stat(smtpSinkPath); err != nil {
		t.Skip("smtp-sink not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("smtp-sink -u root needs root")
	}
	dir = t.TempDir()
	addr = "127.0.0.1:" + strconv.Itoa(freePort(t))
	args := append([]string{"-u", "root", "-d", dir + "/msg."}, opts...)
	startProcess(t, smtpSinkPath, append(args, addr, "100")...)
	waitDial(t, "tcp", addr)
	return addr, dir
}

func TestSMTPSinkDelivery(t *testing.T) {
	addr, dir := startSink(t)
	lg := &logs{}
	cfg := testConfig(lg, false)
	m := newMessage(t, "sender@example.org", testContent, "a@example.com", "b@example.com")
	r := run(t, m, cfg, "["+strings.Replace(addr, ":", "]:", 1))
	if statuses(r) != "sent sent" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, m.req.QueueID+": to=<a@example.com>, relay=127.0.0.1[127.0.0.1]:"+addr[len("127.0.0.1:"):]+", delay=",
		"dsn=2.0.0, status=sent (250 2.0.0 Ok)")
	files, _ := filepath.Glob(dir + "/msg.*")
	if len(files) != 1 {
		t.Fatalf("dumped messages: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	for _, want := range []string{"X-Mail-Args: <sender@example.org>", "X-Rcpt-Args: <a@example.com>",
		"X-Rcpt-Args: <b@example.com>", "Subject: test", "\n.leading dot\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("dump lacks %q:\n%s", want, b)
		}
	}
}

func TestSMTPSinkRejects(t *testing.T) {
	for _, c := range []struct {
		opt, status, dsn, reply, in string
	}{
		{"-f", "bounced", "5.3.0", "500 5.3.0 Error: command failed", "RCPT TO command"},
		{"-r", "deferred", "4.3.0", "450 4.3.0 Error: command failed", "RCPT TO command"},
	} {
		addr, _ := startSink(t, c.opt, "RCPT")
		lg := &logs{}
		cfg := testConfig(lg, false)
		m := newMessage(t, "sender@example.org", testContent, "a@example.com")
		r := run(t, m, cfg, "["+strings.Replace(addr, ":", "]:", 1))
		if statuses(r) != c.status {
			t.Fatalf("%s: %+v\n%s", c.opt, r, lg)
		}
		lg.has(t, "dsn="+c.dsn+", status="+c.status+" (host 127.0.0.1[127.0.0.1] said: "+c.reply+" (in reply to "+c.in+"))")
	}
}

// dovecot is a private Dovecot with LMTP on a UNIX socket and a
// loopback port, two users (bob with a tiny quota) and Maildirs in a
// temporary directory.
type dovecot struct {
	dir, conf, sock string
	port            int
}

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		t.Skip("dovecot not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("a private dovecot needs root")
	}
	d := &dovecot{dir: t.TempDir(), port: freePort(t)}
	// Dovecot's auth and lmtp processes run as other users: they must
	// reach the password file and the Maildirs.
	os.Chmod(filepath.Dir(d.dir), 0o755)
	os.Chmod(d.dir, 0o755)
	d.conf, d.sock = filepath.Join(d.dir, "dovecot.conf"), filepath.Join(d.dir, "lmtp.sock")
	mail := filepath.Join(d.dir, "mail")
	for _, p := range []string{"run", "state", "mail"} {
		os.Mkdir(filepath.Join(d.dir, p), 0o755)
	}
	os.Chown(mail, 65534, 65534)
	passwd := fmt.Sprintf("alice:{PLAIN}x:65534:65534::%s/alice::\nbob:{PLAIN}x:65534:65534::%s/bob::userdb_quota_rule=*:storage=10B\n", mail, mail)
	writeTestFile(t, filepath.Join(d.dir, "passwd"), passwd)
	writeTestFile(t, d.conf, fmt.Sprintf(dovecotConf, d.dir, d.dir, d.dir, d.dir, d.dir, d.sock, d.port))
	// The master daemonizes: its output goes to a file, not a pipe that
	// the daemon would keep open.
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
	t.Cleanup(func() { d.stop(t) })
	waitDial(t, "unix", d.sock)
	waitDial(t, "tcp", "127.0.0.1:"+strconv.Itoa(d.port))
	return d
}

const dovecotConf = `base_dir = %s/run
state_dir = %s/state
log_path = %s/dovecot.log
protocols = lmtp
ssl = no
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
auth_username_format = %%Ln
mail_location = maildir:~/Maildir
mail_plugins = quota
passdb {
  driver = passwd-file
  args = %s/passwd
}
userdb {
  driver = passwd-file
  args = %s/passwd
}
plugin {
  quota = maildir:User quota
}
service lmtp {
  unix_listener %s {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = %d
  }
}
service anvil {
  chroot =
}
`

// stop stops the master and waits (bounded) for it to exit.
func (d *dovecot) stop(t *testing.T) {
	pidText, _ := os.ReadFile(filepath.Join(d.dir, "run", "master.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	exec.Command("doveadm", "-c", d.conf, "stop").Run()
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

// maildir returns the messages in user's Maildir/new.
func (d *dovecot) maildir(t *testing.T, user string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(d.dir, "mail", user, "Maildir", "new", "*"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDovecotLMTPUnix(t *testing.T) {
	d := startDovecot(t)
	lg := &logs{}
	cfg := testConfig(lg, true)
	big := "From: s@example.org\nSubject: lmtp test\n\n" + strings.Repeat("a long enough line to exceed the quota\n", 40)
	m := newMessage(t, "s@example.org", big, "alice@example.com", "nobody@example.com", "bob@example.com")
	r := run(t, m, cfg, "unix:"+d.sock)
	if got := statuses(r); got != "sent bounced bounced" {
		t.Fatalf("%s\n%s", got, lg)
	}
	relay := "relay=client.example[" + d.sock + "]"
	lg.has(t, "to=<alice@example.com>, "+relay, "dsn=2.0.0, status=sent (250 2.0.0 <alice@example.com> ", " Saved)")
	lg.has(t, "to=<nobody@example.com>, "+relay, "dsn=5.1.1, status=bounced (host client.example["+d.sock+
		"] said: 550 5.1.1 <nobody@example.com> User doesn't exist: nobody@example.com (in reply to RCPT TO command))")
	lg.has(t, "to=<bob@example.com>, "+relay, "dsn=5.2.2, status=bounced (host client.example["+d.sock+
		"] said: 552 5.2.2 <bob@example.com> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))")
	msgs := d.maildir(t, "alice")
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Subject: lmtp test") {
		t.Errorf("alice's Maildir: %q", msgs)
	}
	if len(d.maildir(t, "bob")) != 0 {
		t.Error("bob got the message despite his quota")
	}
}

func TestDovecotLMTPInet(t *testing.T) {
	d := startDovecot(t)
	lg := &logs{}
	cfg := testConfig(lg, true)
	cfg.Resolver = fakeDNS{hosts: map[string][]string{"lmtp.test": {"127.0.0.1"}}}
	m := newMessage(t, "s@example.org", testContent, "alice@example.com", "bob@example.com")
	port := strconv.Itoa(d.port)
	r := run(t, m, cfg, "inet:lmtp.test:"+port)
	// bob's quota is smaller than any message: his reply after the
	// final dot is 552, alice's is 250.
	if got := statuses(r); got != "sent bounced" {
		t.Fatalf("%s\n%s", got, lg)
	}
	lg.has(t, "to=<alice@example.com>, relay=lmtp.test[127.0.0.1]:"+port, "status=sent (250 2.0.0 <alice@example.com> ")
	lg.has(t, "to=<bob@example.com>, relay=lmtp.test[127.0.0.1]:"+port, "status=bounced (host lmtp.test[127.0.0.1] said: 552 5.2.2 <bob@example.com> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))")
	if len(d.maildir(t, "alice")) != 1 || len(d.maildir(t, "bob")) != 0 {
		t.Error("Maildirs do not hold what the replies said")
	}
}
