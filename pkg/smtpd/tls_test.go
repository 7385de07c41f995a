package smtpd

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/tlsconf/tlstest"
)

// tlsTestServer is a server with a certificate made by the test's CA.
func tlsTestServer(t *testing.T, settings map[string]string) (*testServer, *tlstest.CA) {
	t.Helper()
	ca := tlstest.NewCA(t)
	leaf := ca.Issue(t, 2048, "mx.example.com")
	m := map[string]string{"smtpd_tls_cert_file": leaf.CertFile, "smtpd_tls_key_file": leaf.KeyFile,
		"smtpd_tls_security_level": "may", "smtpd_tls_loglevel": "1", "mynetworks": "192.0.2.0/24"}
	for k, v := range settings {
		m[k] = v
	}
	return startServer(t, m), ca
}

// tlsClientConfig trusts the test CA and checks the server name.
func tlsClientConfig(ca *tlstest.CA) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tls.Config{RootCAs: pool, ServerName: "mx.example.com"}
}

// starttls sends STARTTLS and switches the client to TLS.
func (c *client) starttls(conf *tls.Config) {
	c.t.Helper()
	c.expect("STARTTLS", "220 2.0.0 Ready to start TLS")
	c.upgrade(conf)
}

func (c *client) upgrade(conf *tls.Config) {
	c.t.Helper()
	tc := tls.Client(c.conn, conf)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("handshake: %v", err)
	}
	c.conn, c.r = tc, newReader(tc)
}

const ehloPlain = "250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n250-STARTTLS\n" +
	"250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING"

func TestSTARTTLS(t *testing.T) {
	ts, ca := tlsTestServer(t, map[string]string{"smtpd_tls_received_header": "yes"})
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO client.example", ehloPlain)
	c.expect("MAIL FROM:<a@example.com>", "250 2.1.0 Ok")
	c.starttls(tlsClientConfig(ca))
	// STARTTLS forgot HELO and the transaction.
	c.expect("RCPT TO:<b@example.com>", "503 5.5.1 Error: need MAIL command")
	c.expect("EHLO client.example", strings.Replace(ehloPlain, "250-STARTTLS\n", "", 1))
	c.expect("STARTTLS", "554 5.5.1 Error: TLS already active")
	c.expect("MAIL FROM:<a@example.com>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<b@example.com>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	c.expect("Subject: t\r\n\r\nhello\r\n.", "250 2.0.0 Ok: queued as QID001")
	c.expect("QUIT", "221 2.0.0 Bye")
	line := ts.waitLog(t, "info: disconnect from")
	if line != "info: disconnect from unknown[127.0.0.1] ehlo=2 starttls=1/2 mail=2 rcpt=1/2 data=1 quit=1 commands=8/10" {
		t.Errorf("%s", line)
	}
	est := ts.waitLog(t, "info: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3 with cipher TLS_")
	if !strings.HasSuffix(est, "server-signature RSA-PSS (2048 bits) server-digest SHA256") {
		t.Errorf("%s", est)
	}
	m := ts.q.committed()[0].meta
	if !strings.HasPrefix(m.TLS, "\t(using TLSv1.3 with cipher TLS_") || !strings.HasSuffix(m.TLS, "\n\t(No client certificate requested)") {
		t.Errorf("Received TLS comment %q", m.TLS)
	}
}

// TestSTARTTLSInjection: commands pipelined in plaintext after STARTTLS
// are discarded, not run inside the TLS session (CVE-2011-0411).
func TestSTARTTLSInjection(t *testing.T) {
	ts, ca := tlsTestServer(t, nil)
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO client.example", ehloPlain)
	c.send("STARTTLS\r\nMAIL FROM:<evil@example.com>\r\nRSET\r\n")
	if r := c.reply(); r != "220 2.0.0 Ready to start TLS" {
		t.Fatal(r)
	}
	c.upgrade(tlsClientConfig(ca))
	c.expect("NOOP", "250 2.0.0 Ok")
	c.expect("RCPT TO:<b@example.com>", "503 5.5.1 Error: need MAIL command")
	c.expect("QUIT", "221 2.0.0 Bye")
	line := ts.waitLog(t, "info: disconnect from")
	if strings.Contains(line, "mail=") || strings.Contains(line, "rset=") {
		t.Errorf("injected commands ran: %s", line)
	}
}

func TestTLSEnforced(t *testing.T) {
	ts, ca := tlsTestServer(t, map[string]string{"smtpd_tls_security_level": "encrypt"})
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO client.example", ehloPlain)
	c.expect("MAIL FROM:<a@example.com>", "530 5.7.0 Must issue a STARTTLS command first")
	c.expect("AUTH PLAIN", "530 5.7.0 Must issue a STARTTLS command first")
	c.expect("NOOP", "250 2.0.0 Ok")
	c.starttls(tlsClientConfig(ca))
	c.expect("EHLO client.example", strings.Replace(ehloPlain, "250-STARTTLS\n", "", 1))
	c.expect("MAIL FROM:<a@example.com>", "250 2.1.0 Ok")
	c.expect("QUIT", "221 2.0.0 Bye")
}

func TestTLSNotAvailable(t *testing.T) {
	ts := startServer(t, map[string]string{"smtpd_use_tls": "yes"})
	ts.log.has(t, "warning: No server certs available. TLS won't be enabled")
	c := ts.dial(t)
	c.reply()
	c.expect("EHLO client.example", ehloPlain)
	c.expect("STARTTLS x", "501 5.5.4 Syntax: STARTTLS")
	c.expect("STARTTLS", "454 4.7.0 TLS not available due to local problem")
	ts2 := startServer(t, nil)
	c = ts2.dial(t)
	c.reply()
	c.expect("STARTTLS", "502 5.5.1 Error: command not implemented")
}

func TestTLSWrapperMode(t *testing.T) {
	ts, ca := tlsTestServer(t, map[string]string{"smtpd_tls_wrappermode": "yes", "smtpd_tls_security_level": ""})
	conn, err := tls.Dial("tcp", ts.ln.Addr().String(), tlsClientConfig(ca))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &client{t: t, conn: conn, r: newReader(conn)}
	if r := c.reply(); r != "220 mx.example.com ESMTP Postfix" {
		t.Fatal(r)
	}
	c.expect("EHLO client.example", strings.Replace(ehloPlain, "250-STARTTLS\n", "", 1))
	c.expect("STARTTLS", "554 5.5.1 Error: TLS already active")
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3")
}

func TestTLSHandshakeFailures(t *testing.T) {
	ts, ca := tlsTestServer(t, map[string]string{"smtpd_tls_protocols": ">=TLSv1.3"})
	c := ts.dial(t)
	c.reply()
	c.expect("STARTTLS", "220 2.0.0 Ready to start TLS")
	conf := tlsClientConfig(ca)
	conf.MaxVersion = tls.VersionTLS12
	if err := tls.Client(c.conn, conf).Handshake(); err == nil {
		t.Fatal("TLSv1.2 accepted with smtpd_tls_protocols = >=TLSv1.3")
	}
	ts.waitLog(t, "info: lost connection after STARTTLS from unknown[127.0.0.1]")
	ts.log.has(t, "info: SSL_accept error from unknown[127.0.0.1]: -1")
	// Plaintext where the handshake should be.
	c = ts.dial(t)
	c.reply()
	c.expect("STARTTLS", "220 2.0.0 Ready to start TLS")
	c.send("EHLO client.example\r\n")
	if r := c.reply(); r != "EOF" {
		t.Errorf("after a failed handshake: %q", r)
	}
}

// TestTLSCipherGrade: a cipher list that leaves only ECDHE-ECDSA suites
// cannot serve an RSA certificate to a TLS 1.2 client.
func TestTLSCipherGrade(t *testing.T) {
	ts, ca := tlsTestServer(t, map[string]string{"smtpd_tls_exclude_ciphers": "aRSA", "smtpd_tls_protocols": "<=TLSv1.2"})
	c := ts.dial(t)
	c.reply()
	c.expect("STARTTLS", "220 2.0.0 Ready to start TLS")
	if err := tls.Client(c.conn, tlsClientConfig(ca)).Handshake(); err == nil {
		t.Error("handshake with only aRSA suites excluded and an RSA certificate")
	}
}

// tlsCertFiles makes a CA and a certificate for mx.example.com.
func tlsCertFiles(t *testing.T) (*tlstest.CA, *tlstest.Leaf) {
	t.Helper()
	ca := tlstest.NewCA(t)
	return ca, ca.Issue(t, 2048, "mx.example.com")
}
