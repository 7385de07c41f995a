package smtpd

import (
	"encoding/base64"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/sasl/dovecottest"
)

func authB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

var authUsers = map[string]string{"alice": "wonderland", "bob": "builder"}

// authServer runs smtpd with SASL through a private Dovecot; clients
// at 127.0.0.1 are outside mynetworks.
func authServer(t *testing.T, dc *dovecottest.Server, settings map[string]string, opts ...func(*Deps)) *testServer {
	t.Helper()
	m := map[string]string{"smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "dovecot",
		"smtpd_sasl_path": dc.Socket, "mynetworks": "192.0.2.0/24"}
	for k, v := range settings {
		m[k] = v
	}
	return startServer(t, m, opts...)
}

const ehloWithAuth = "250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n250-AUTH PLAIN LOGIN\n" +
	"250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING"

// TestAuthRelay: without AUTH relaying is deferred
// (defer_unauth_destination); after AUTH PLAIN it is permitted
// (permit_sasl_authenticated), and the message carries the login.
func TestAuthRelay(t *testing.T) {
	dc := dovecottest.Start(t, authUsers)
	ts := authServer(t, dc, nil)
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO client.example", ehloWithAuth)
	c.expect("MAIL FROM:<alice@example.com>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<friend@remote.example>", "454 4.7.1 <friend@remote.example>: Relay access denied")
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "503 5.5.1 Error: MAIL transaction in progress")
	c.expect("RSET", "250 2.0.0 Ok")
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "235 2.7.0 Authentication successful")
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "503 5.5.1 Error: already authenticated")
	c.expect("MAIL FROM:<alice@example.com> AUTH=alice@example.com", "250 2.1.0 Ok")
	c.expect("RCPT TO:<friend@remote.example>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	c.expect("Subject: t\r\n\r\nhi\r\n.", "250 2.0.0 Ok: queued as QID001")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect from unknown[127.0.0.1] ehlo=1 auth=1/3 mail=2 rcpt=1/2 data=1 rset=1 quit=1 commands=8/11")
	ts.log.has(t, "info: QID001: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=alice, sasl_sender=alice@example.com")
	ts.log.has(t, "info: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 454 4.7.1 <friend@remote.example>: Relay access denied; "+
		"from=<alice@example.com> to=<friend@remote.example> proto=ESMTP helo=<client.example>")
	m := ts.q.committed()[0].meta
	if m.SASLMethod != "PLAIN" || m.SASLUser != "alice" || m.SASLSender != "alice@example.com" {
		t.Errorf("meta: %+v", m)
	}
}

// TestAuthFailures: wrong password, aborted and bad exchanges, and the
// syntax errors.
func TestAuthFailures(t *testing.T) {
	dc := dovecottest.Start(t, authUsers)
	ts := authServer(t, dc, map[string]string{"smtpd_sasl_path": "inet:127.0.0.1:" + strconv.Itoa(dc.Port)})
	c := ts.dial(t)
	c.reply()
	c.expect("AUTH", "501 5.5.4 Syntax: AUTH mechanism")
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00queen"), "535 5.7.8 Error: authentication failed: (reason unavailable)")
	c.expect("AUTH CRAM-MD5", "535 5.7.8 Error: authentication failed: Invalid authentication mechanism")
	c.expect("AUTH PLAIN !!!", "535 5.7.8 Error: authentication failed: Invalid base64 data in initial response")
	c.expect("AUTH LOGIN", "334 "+authB64("Username:"))
	c.expect("*", "501 5.7.0 Authentication aborted")
	c.expect("AUTH LOGIN", "334 "+authB64("Username:"))
	c.expect(authB64("bob"), "334 "+authB64("Password:"))
	c.expect(authB64("builder"), "235 2.7.0 Authentication successful")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect from unknown[127.0.0.1] auth=1/6 quit=1 commands=2/7")
	ts.log.has(t, "warning: unknown[127.0.0.1]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice")
	ts.log.has(t, "warning: unknown[127.0.0.1]: SASL LOGIN authentication aborted")
	// As in Postfix, the user name of the server's last reply stays.
	ts.log.has(t, "warning: unknown[127.0.0.1]: SASL CRAM-MD5 authentication failed: Invalid authentication mechanism, sasl_username=alice")
}

// TestAuthRelativePath: smtpd_sasl_path = private/auth is taken from
// the queue directory.
func TestAuthRelativePath(t *testing.T) {
	dc := dovecottest.Start(t, authUsers)
	queue := t.TempDir()
	os.Mkdir(filepath.Join(queue, "private"), 0o755)
	if err := os.Symlink(dc.Socket, filepath.Join(queue, "private", "auth")); err != nil {
		t.Fatal(err)
	}
	ts := authServer(t, dc, map[string]string{"smtpd_sasl_path": "private/auth"}, func(d *Deps) { d.SASLDir = queue })
	c := ts.dial(t)
	c.reply()
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "235 2.7.0 Authentication successful")
}

// TestAuthServerDown: a stopped Dovecot makes AUTH a temporary failure,
// and smtpd keeps serving.
func TestAuthServerDown(t *testing.T) {
	dc := dovecottest.Start(t, authUsers)
	ts := authServer(t, dc, nil)
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO client.example", ehloWithAuth)
	dc.Stop()
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"),
		"454 4.7.0 Temporary authentication failure: (reason unavailable)")
	c.expect("NOOP", "250 2.0.0 Ok")
	ts.log.has(t, "warning: SASL: Connect to Dovecot auth socket '"+dc.Socket+"' failed: Connection refused")
	ts.log.has(t, "warning: unknown[127.0.0.1]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=(unavailable)")
	// A server that never reached Dovecot does not announce AUTH.
	ts2 := authServer(t, dc, nil)
	c = ts2.dial(t)
	c.reply()
	c.expect("EHLO client.example", strings.Replace(ehloWithAuth, "250-AUTH PLAIN LOGIN\n", "", 1))
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"),
		"454 4.7.0 Temporary authentication failure: (reason unavailable)")
	ts2.log.has(t, "warning: no SASL authentication mechanisms")
}

// TestAuthTLSOnly: with smtpd_tls_auth_only AUTH exists only after
// STARTTLS; smtpd_sasl_security_options = noplaintext hides PLAIN and
// LOGIN in plaintext while smtpd_sasl_tls_security_options allows them
// under TLS.
func TestAuthTLSOnly(t *testing.T) {
	dc := dovecottest.Start(t, authUsers)
	for _, set := range []map[string]string{
		{"smtpd_tls_auth_only": "yes"},
		{"smtpd_sasl_security_options": "noanonymous, noplaintext", "smtpd_sasl_tls_security_options": "noanonymous"},
	} {
		ca, leaf := tlsCertFiles(t)
		set["smtpd_tls_security_level"] = "may"
		set["smtpd_tls_cert_file"], set["smtpd_tls_key_file"] = leaf.CertFile, leaf.KeyFile
		set["broken_sasl_auth_clients"] = "yes"
		ts := authServer(t, dc, set)
		c := ts.dial(t)
		c.reply()
		c.expect("EHLO client.example", ehloPlain)
		if set["smtpd_tls_auth_only"] == "yes" {
			c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "503 5.5.1 Error: authentication not enabled")
		}
		c.starttls(tlsClientConfig(ca))
		c.expect("EHLO client.example", strings.Replace(ehloWithAuth, "250-AUTH PLAIN LOGIN\n", "250-AUTH PLAIN LOGIN\n250-AUTH=PLAIN LOGIN\n", 1))
		c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "235 2.7.0 Authentication successful")
	}
}

// TestAuthSwaks: swaks, a real SMTP client, does STARTTLS and AUTH
// LOGIN and relays a message.
func TestAuthSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("swaks not installed (apt-get install swaks)")
	}
	dc := dovecottest.Start(t, authUsers)
	_, leaf := tlsCertFiles(t)
	ts := authServer(t, dc, map[string]string{"smtpd_tls_security_level": "may", "smtpd_tls_auth_only": "yes",
		"smtpd_tls_cert_file": leaf.CertFile, "smtpd_tls_key_file": leaf.KeyFile, "smtpd_tls_loglevel": "1"})
	host, port, _ := strings.Cut(ts.ln.Addr().String(), ":")
	out, err := exec.Command(swaks, "--server", host, "--port", port, "--tls", "--auth", "LOGIN",
		"--auth-user", "bob", "--auth-password", "builder", "--from", "bob@example.com",
		"--to", "friend@remote.example", "--helo", "client.example", "--timeout", "20").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	ts.waitLog(t, "info: disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8")
	ts.log.has(t, "info: QID001: client=unknown[127.0.0.1], sasl_method=LOGIN, sasl_username=bob")
	if len(ts.q.committed()) != 1 {
		t.Errorf("no message queued:\n%s", out)
	}
}

func TestAuthNotEnabled(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	c.reply()
	c.expect("AUTH PLAIN", "503 5.5.1 Error: authentication not enabled")
	c.expect("MAIL FROM:<a@example.com> AUTH=<>", "250 2.1.0 Ok")
}

// TestAuthReceivedHeader: through the real in-process cleanup, a
// message sent over TLS after AUTH gets Postfix's Received: header with
// the TLS comment (smtpd_tls_received_header), the login
// (smtpd_sasl_authenticated_header) and "with ESMTPSA".
func TestAuthReceivedHeader(t *testing.T) {
	dc := dovecottest.Start(t, authUsers)
	ca, leaf := tlsCertFiles(t)
	dir := t.TempDir()
	l, err := queue.NewLayoutFrom(filepath.Join(dir, "spool"), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(map[string]string{"queue_directory": l.Dir, "mynetworks": "192.0.2.0/24",
		"smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "dovecot", "smtpd_sasl_path": dc.Socket,
		"smtpd_sasl_authenticated_header": "yes", "smtpd_tls_received_header": "yes",
		"smtpd_tls_security_level": "may", "smtpd_tls_cert_file": leaf.CertFile, "smtpd_tls_key_file": leaf.KeyFile})
	cl, err := cleanup.New(cfg, cleanup.Options{Layout: l, Wake: func() {}, Logf: func(string, string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	srv, err := New(cfg, Deps{Queue: CleanupQueue{C: cl}, Log: &testLog{}, Names: noNames{},
		FreeSpace: func(string) (int64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	cconn, server := net.Pipe()
	go srv.Serve(server)
	c := &client{t: t, conn: cconn, r: newReader(cconn)}
	defer cconn.Close()
	c.reply()
	c.cmd("EHLO client.example")
	c.starttls(tlsClientConfig(ca))
	c.cmd("EHLO client.example")
	c.expect("AUTH PLAIN "+authB64("\x00alice\x00wonderland"), "235 2.7.0 Authentication successful")
	c.expect("MAIL FROM:<alice@example.com>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<friend@remote.example>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	id, ok := strings.CutPrefix(c.cmd("Subject: t\r\n\r\nhi\r\n."), "250 2.0.0 Ok: queued as ")
	if !ok {
		t.Fatal("not queued")
	}
	c.expect("QUIT", "221 2.0.0 Bye")
	_, path, err := l.Find(id, "incoming")
	if err != nil {
		t.Fatal(err)
	}
	f, err := queue.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	content, _ := io.ReadAll(f.Content())
	want := regexp.MustCompile(`^Received: from client\.example \(localhost \[127\.0\.0\.1\]\)\n` +
		`\t\(using TLSv1\.3 with cipher TLS_\S+ \(\d+/\d+ bits\)\n` +
		`\t key-exchange \S+ server-signature RSA-PSS \(2048 bits\) server-digest SHA256\)\n` +
		`\t\(No client certificate requested\)\n` +
		`\t\(Authenticated sender: alice\)\n` +
		`\tby mx\.example\.com \(Postfix\) with ESMTPSA id ` + id + `\n` +
		`\tfor <friend@remote\.example>; `)
	if !want.Match(content) {
		t.Errorf("Received: header:\n%s", content)
	}
}
