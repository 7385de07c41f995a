package tests

// Real peers of the seed-procedure tests: a private Dovecot configured
// as the guide configures /etc/dovecot (SASL auth socket and LMTP socket
// in the Postfix queue directory owned by postfix, LMTP on TCP, IMAP
// for reading mail back with curl), a private slapd loaded with the
// LDIF of tests/testdata/seed, and certificates made with openssl as
// the administrator makes them. Each is stopped when its test ends.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// seedDovecot is a private Dovecot: base_dir, state, log, passwd-file
// and Maildirs in its own directory.
type seedDovecot struct {
	dir, conf  string
	lmtpPort   int
	imapPort   int
	authPort   int
	authSocket string
	lmtpSocket string
}

// seedDovecotConf: %[1]s the directory, %[2]s the auth socket, %[3]s
// the LMTP socket, %[4]d the LMTP port, %[5]d the IMAP port, %[6]d the
// auth port. The listeners are those of the guide's 10-master.conf.
const seedDovecotConf = `base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap lmtp
ssl = no
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
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
service auth {
  unix_listener %[2]s {
    mode = 0660
    user = postfix
    group = postfix
  }
  inet_listener {
    address = 127.0.0.1
    port = %[6]d
  }
}
service lmtp {
  unix_listener %[3]s {
    mode = 0600
    user = postfix
    group = postfix
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = %[4]d
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[5]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`

// startSeedDovecot starts Dovecot for the users (name → password),
// with its auth and LMTP sockets in queueDir/private as the guide has
// them; mail is stored as nobody under DIR/mail/USER/Maildir.
func startSeedDovecot(t *testing.T, queueDir string, users map[string]string) *seedDovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		t.Skip("dovecot not installed (apt-get install dovecot-core dovecot-imapd dovecot-lmtpd)")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	d := &seedDovecot{dir: t.TempDir(), lmtpPort: harness.FreePort(t), imapPort: harness.FreePort(t), authPort: harness.FreePort(t),
		authSocket: filepath.Join(queueDir, "private/auth"), lmtpSocket: filepath.Join(queueDir, "private/dovecot-lmtp")}
	os.Chmod(filepath.Dir(d.dir), 0o755)
	os.Chmod(d.dir, 0o755)
	for _, sub := range []string{"run", "state", "mail"} {
		os.Mkdir(filepath.Join(d.dir, sub), 0o755)
	}
	os.Chown(filepath.Join(d.dir, "mail"), 65534, 65534)
	var passwd strings.Builder
	for name, pw := range users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:65534:65534::%s/mail/%s::\n", name, pw, d.dir, name)
	}
	e2eWrite(t, filepath.Join(d.dir, "passwd"), passwd.String())
	d.conf = filepath.Join(d.dir, "dovecot.conf")
	e2eWrite(t, d.conf, fmt.Sprintf(seedDovecotConf, d.dir, d.authSocket, d.lmtpSocket, d.lmtpPort, d.imapPort, d.authPort))
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
	e2eWaitDial(t, "unix", d.authSocket)
	e2eWaitDial(t, "unix", d.lmtpSocket)
	e2eWaitDial(t, "tcp", d.lmtpAddr())
	e2eWaitDial(t, "tcp", d.imapAddr())
	return d
}

func (d *seedDovecot) lmtpAddr() string { return "127.0.0.1:" + strconv.Itoa(d.lmtpPort) }
func (d *seedDovecot) imapAddr() string { return "127.0.0.1:" + strconv.Itoa(d.imapPort) }

// stop stops Dovecot's master and waits (bounded) for it.
func (d *seedDovecot) stop() { stopDovecot(d.dir, d.conf) }

// log is Dovecot's log.
func (d *seedDovecot) log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	return string(b)
}

// imapFetch reads message uid of user's INBOX over IMAP, as a mail
// client would: curl -s --url "imap://127.0.0.1:PORT/INBOX;UID=N"
// --user USER:PASSWORD. It returns curl's output and error.
func (d *seedDovecot) imapFetch(user, password string, uid int) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	url := fmt.Sprintf("imap://%s/INBOX;UID=%d", d.imapAddr(), uid)
	out, err := exec.CommandContext(ctx, "curl", "-s", "--url", url, "--user", user+":"+password).CombinedOutput()
	return string(out), err
}

// waitIMAP waits until message uid of user's INBOX can be read and
// contains want; it returns the message.
func (d *seedDovecot) waitIMAP(t *testing.T, h *seedHost, user, password string, uid int, want string) string {
	t.Helper()
	var out string
	var err error
	deadline := time.Now().Add(harness.Timeout)
	for {
		out, err = d.imapFetch(user, password, uid)
		if err == nil && strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("IMAP %s UID %d: %v %q, want %q\ndovecot log:\n%s\npostern log:\n%s", user, uid, err, out, want, d.log(), h.inst.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seedSlapd is a private OpenLDAP server on a loopback port.
type seedSlapd struct {
	dir  string
	port int
	proc *e2eProc
}

const (
	seedLDAPSuffix = "dc=example,dc=com"
	seedLDAPRootDN = "cn=admin,dc=example,dc=com"
	seedLDAPRootPW = "secret"
)

// startSeedSlapd starts slapd with the core, cosine and inetorgperson
// schemas and the ldap_table(5) attributes (testdata/seed/postfix.schema),
// loads ldif, and stops it when the test ends.
func startSeedSlapd(t *testing.T, ldif string) *seedSlapd {
	t.Helper()
	bin := "/usr/sbin/slapd"
	if _, err := os.Stat(bin); err != nil {
		t.Skip("slapd not installed (apt-get install slapd ldap-utils)")
	}
	if _, err := exec.LookPath("ldapadd"); err != nil {
		t.Skip("ldapadd not installed (apt-get install ldap-utils)")
	}
	schema, err := filepath.Abs("testdata/seed/postfix.schema")
	if err != nil {
		t.Fatal(err)
	}
	s := &seedSlapd{dir: t.TempDir(), port: harness.FreePort(t)}
	os.Mkdir(filepath.Join(s.dir, "db"), 0o700)
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include %[1]s
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[2]s/slapd.pid
database mdb
suffix "%[3]s"
rootdn "%[4]s"
rootpw %[5]s
directory %[2]s/db
maxsize 10485760
access to * by * read
`, schema, s.dir, seedLDAPSuffix, seedLDAPRootDN, seedLDAPRootPW)
	e2eWrite(t, filepath.Join(s.dir, "slapd.conf"), conf)
	s.proc = e2eStart(t, bin, "-f", filepath.Join(s.dir, "slapd.conf"), "-h", s.url()+"/", "-d", "0")
	e2eWaitDial(t, "tcp", "127.0.0.1:"+strconv.Itoa(s.port))
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ldapadd", "-x", "-H", s.url(), "-D", seedLDAPRootDN, "-w", seedLDAPRootPW,
		"-f", ldif).CombinedOutput()
	if err != nil {
		t.Fatalf("ldapadd %s: %v\n%s", ldif, err, out)
	}
	return s
}

func (s *seedSlapd) url() string { return "ldap://127.0.0.1:" + strconv.Itoa(s.port) }

// seedCertificate makes a self-signed certificate and key for cn with
// openssl, as the administrator does before the guide's TLS procedure,
// into ROOT/etc/pki/tls/certs/postfix.pem and
// ROOT/etc/pki/tls/private/postfix.key (RHEL's paths).
func seedCertificate(t *testing.T, h *seedHost, cn string) (certFile, keyFile string) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	certFile, keyFile = h.path("/etc/pki/tls/certs/postfix.pem"), h.path("/etc/pki/tls/private/postfix.key")
	os.MkdirAll(filepath.Dir(certFile), 0o755)
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
		"-subj", "/CN="+cn, "-addext", "subjectAltName=DNS:"+cn, "-keyout", keyFile, "-out", certFile).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	os.Chmod(keyFile, 0o600)
	return certFile, keyFile
}

// seedSClient runs "openssl s_client -starttls smtp -connect ADDR" and
// returns what it prints (the certificate chain and the session).
func seedSClient(t *testing.T, addr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), harness.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", "s_client", "-starttls", "smtp", "-connect", addr, "-showcerts")
	cmd.Stdin = strings.NewReader("QUIT\r\n")
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "CONNECTED") {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	return string(out)
}

// seedDialSMTP opens an SMTP connection and reads the greeting; it is
// closed when the test ends.
func seedDialSMTP(t *testing.T, addr string) (net.Conn, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, harness.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(harness.Timeout))
	t.Cleanup(func() { c.Close() })
	return c, seedReadReply(t, c)
}

// seedReadReply reads one (possibly multi-line) SMTP reply.
func seedReadReply(t *testing.T, c net.Conn) string {
	t.Helper()
	var reply strings.Builder
	buf := make([]byte, 1)
	var line []byte
	for {
		if _, err := c.Read(buf); err != nil {
			if reply.Len() == 0 && len(line) == 0 {
				return "EOF"
			}
			return reply.String() + string(line)
		}
		line = append(line, buf[0])
		if buf[0] != '\n' {
			continue
		}
		reply.Write(line)
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimRight(reply.String(), "\r\n")
		}
		line = nil
	}
}

// seedCommand sends one SMTP command and returns the reply.
func seedCommand(t *testing.T, c net.Conn, cmd string) string {
	t.Helper()
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return seedReadReply(t, c)
}

// seedSinkMessage waits until smtp-sink has a complete message (its
// dump ends with the end of the message) that contains want, and
// returns it.
func seedSinkMessage(t *testing.T, sink *e2eSink, want string) string {
	t.Helper()
	var found string
	harness.Eventually(t, "a message with "+want+" at the sink", func() bool {
		for _, m := range sink.messages(t) {
			if strings.Contains(m, want) && strings.HasSuffix(m, "\n") {
				found = m
				return true
			}
		}
		return false
	})
	return found
}
