package smtpclient

import (
	"strings"
	"testing"
)

// starttlsScript offers STARTTLS before TLS is on.
func starttlsScript(onStartTLS string) script {
	base := smtpScript(nil)
	tlsOn := false
	return func(cmd string) string {
		up := strings.ToUpper(cmd)
		switch {
		case strings.HasPrefix(up, "EHLO") && !tlsOn:
			return "250-mx.example\n250-PIPELINING\n250 STARTTLS"
		case up == "STARTTLS":
			tlsOn = true
			return onStartTLS
		}
		return base(cmd)
	}
}

func TestSTARTTLSMay(t *testing.T) {
	srv := startServerTLS(t, "tcp", starttlsScript("220 2.0.0 Ready to start TLS"), selfSigned(t, "mx1.example"))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.TLS = TLSConfig{Level: "may", LogLevel: 1}
	cfg.Resolver = mxDNS("mx1.example")
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.1:25": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "example.com"); statuses(r) != "sent" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "Untrusted TLS connection established to mx1.example[192.0.2.1]:25: TLSv1.3 with cipher TLS_")
	cmds := strings.Join(srv.commands(), "|")
	if !strings.HasPrefix(cmds, "EHLO client.example|STARTTLS|EHLO client.example|MAIL FROM:") {
		t.Errorf("commands %s", cmds)
	}
}

func TestSTARTTLSHandshakeFailureFallsBackToPlaintext(t *testing.T) {
	srv := startServer(t, "tcp", starttlsScript("220 2.0.0 Ready to start TLS\nCLOSE"))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.TLS = TLSConfig{Level: "may"}
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]"); statuses(r) != "sent" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "warning: TLS library problem")
}

func TestTLSRequired(t *testing.T) {
	srv := startServer(t, "tcp", smtpScript(nil))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.TLS = TLSConfig{Level: "encrypt"}
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]"); statuses(r) != "deferred" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "relay=192.0.2.9[192.0.2.9]:25", "dsn=4.7.4, status=deferred (TLS is required, but was not offered by host 192.0.2.9[192.0.2.9])")
}

func TestTLSVerifyRejectsSelfSigned(t *testing.T) {
	srv := startServerTLS(t, "tcp", starttlsScript("220 2.0.0 Ready"), selfSigned(t, "mx1.example"))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.TLS = TLSConfig{Level: "verify"}
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:25": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]"); statuses(r) != "deferred" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "dsn=4.7.5, status=deferred (Server certificate not verified)")
}

func TestTLSWrapperMode(t *testing.T) {
	wrapperNext = true
	srv := startServerTLS(t, "tcp", smtpScript(nil), selfSigned(t, "smtps.example"))
	lg := &logs{}
	cfg := testConfig(lg, false)
	cfg.TLS = TLSConfig{Level: "encrypt", Wrapper: true, LogLevel: 1}
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.9:465": srv.addr()})
	m := newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]:465"); statuses(r) != "sent" {
		t.Fatalf("%+v\n%s", r, lg)
	}
	lg.has(t, "Untrusted TLS connection established to 192.0.2.9[192.0.2.9]:465: TLSv1.3")
	cfg.TLS = TLSConfig{Level: "may", Wrapper: true}
	m = newMessage(t, "s@example.org", testContent, "a@example.com")
	if r := run(t, m, cfg, "[192.0.2.9]:465"); statuses(r) != "deferred" {
		t.Fatalf("wrappermode with may: %+v\n%s", r, lg)
	}
	lg.has(t, "warning: smtp_tls_wrappermode requires \"smtp_tls_security_level = encrypt\" (or stronger)")
}
