package smtpclient

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/sasl/dovecottest"
	"github.com/postern/postern/pkg/smtpd"
	"github.com/postern/postern/pkg/tlsconf/tlstest"
)

// The SOHO_README setup, word for word: Postern's smtp client relays
// through an ISP's mail server on the submission port, with TLS
// required and a login from smtp_sasl_password_maps. The ISP's server
// is Postern's own smtpd with Dovecot SASL and smtpd_tls_auth_only,
// run by the test; mail.isp.example resolves to 192.0.2.7, routed to it.

const sohoMainCf = `smtp_sasl_auth_enable = yes
smtp_tls_security_level = encrypt
smtp_sasl_tls_security_options = noanonymous
relayhost = [mail.isp.example]:submission
smtp_sasl_password_maps = hash:%s/sasl_passwd
`

// ispQueue records what the ISP's smtpd accepts.
type ispQueue struct {
	mu   sync.Mutex
	msgs []*ispMsg
}

type ispMsg struct {
	meta    smtpd.Meta
	sender  string
	rcpts   []string
	content strings.Builder
}

func (q *ispQueue) Begin(m smtpd.Meta) (smtpd.Message, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	msg := &ispMsg{meta: m}
	q.msgs = append(q.msgs, msg)
	return msg, nil
}

func (q *ispQueue) all() []*ispMsg {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]*ispMsg(nil), q.msgs...)
}

func (m *ispMsg) QueueID() string                           { return "ISPQID" }
func (m *ispMsg) SetSender(a string, _ int, _ string) error { m.sender = a; return nil }
func (m *ispMsg) AddRecipient(a, _ string, _ int) error     { m.rcpts = append(m.rcpts, a); return nil }
func (m *ispMsg) Write(p []byte) error                      { m.content.Write(p); return nil }
func (m *ispMsg) Commit() (string, error)                   { return "ISPQID", nil }
func (m *ispMsg) Abort()                                    {}

type ispLog struct{ lg *logs }

func (l ispLog) Info(f string, a ...any) { l.lg.fn("isp: ")(f, a...) }
func (l ispLog) Warn(f string, a ...any) { l.lg.fn("isp: warning: ")(f, a...) }

// startISP runs the submission server; it returns its address.
func startISP(t *testing.T, dc *dovecottest.Server, lg *logs) (string, *ispQueue) {
	t.Helper()
	ca := tlstest.NewCA(t)
	leaf := ca.Issue(t, 2048, "mail.isp.example")
	cfg := config.New("/nonexistent", &config.File{Map: map[string]string{
		"compatibility_level": "3.7", "myhostname": "mail.isp.example", "mydestination": "isp.example",
		"mynetworks": "192.0.2.0/24", "inet_interfaces": "127.0.0.1", "queue_directory": "/nonexistent",
		"smtpd_tls_security_level": "encrypt", "smtpd_tls_auth_only": "yes",
		"smtpd_tls_cert_file": leaf.CertFile, "smtpd_tls_key_file": leaf.KeyFile,
		"smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "dovecot", "smtpd_sasl_path": dc.Socket,
		"smtpd_error_sleep_time": "0s", "smtpd_peername_lookup": "no"}})
	q := &ispQueue{}
	srv, err := smtpd.New(cfg, smtpd.Deps{Queue: q, Log: ispLog{lg}, Service: "submission"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); srv.Serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), q
}

// sohoConfig reads the SOHO main.cf plus extra lines and builds
// sasl_passwd with Postern's postmap code.
func sohoConfig(t *testing.T, lg *logs, ispAddr, extra, passwd string) *Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sasl_passwd"), []byte(passwd), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := dict.BuildMap("hash", filepath.Join(dir, "sasl_passwd"), dict.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := config.Parse("main.cf", []byte("compatibility_level = 3.7\nmyhostname = client.example\n"+
		"inet_interfaces = loopback-only\n"+strings.ReplaceAll(sohoMainCf, "%s", dir)+extra))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := NewConfig(config.New(dir, f), false)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Resolver = fakeDNS{hosts: map[string][]string{"mail.isp.example": {"192.0.2.7"}}}
	cfg.Dialer = routeDialer(t, map[string]string{"192.0.2.7:587": ispAddr})
	cfg.Info, cfg.Warn = lg.fn(""), lg.fn("warning: ")
	return cfg
}

func TestSOHORelayThroughISP(t *testing.T) {
	dc := dovecottest.Start(t, map[string]string{"username": "password", "user2": "secret2"})
	lg := &logs{}
	isp, q := startISP(t, dc, lg)
	relayhost := "[mail.isp.example]:submission"
	for _, c := range []struct {
		name, extra, passwd, status string
		want                        []string
	}{
		{"soho", "", "# destination                   credentials\n[mail.isp.example]:submission username:password\n", "sent",
			[]string{"to=<friend@remote.example>, relay=mail.isp.example[192.0.2.7]:587", "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ISPQID)",
				"isp: ISPQID: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=username"}},
		{"sender dependent", "smtp_sender_dependent_authentication = yes\n",
			"s@example.org user2:secret2\n[mail.isp.example]:submission username:password\n", "sent",
			[]string{"isp: ISPQID: client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=user2"}},
		{"wrong password", "", "[mail.isp.example]:submission username:wrong\n", "deferred",
			[]string{"relay=mail.isp.example[192.0.2.7]:587", "dsn=4.7.8, status=deferred (SASL authentication failed; server mail.isp.example[192.0.2.7] said: " +
				"535 5.7.8 Error: authentication failed: (reason unavailable))"}},
		{"plaintext not allowed", "smtp_sasl_tls_security_options = $smtp_sasl_security_options\n",
			"[mail.isp.example]:submission username:password\n", "deferred",
			[]string{"warning: SASL authentication failure: No worthy mechs found",
				"relay=mail.isp.example[192.0.2.7]:587", "dsn=4.7.0, status=deferred (SASL authentication failed; cannot authenticate to server mail.isp.example[192.0.2.7]: no mechanism available)"}},
		{"no credentials", "", "[other.example] u:p\n", "deferred",
			[]string{"dsn=4.7.1, status=deferred (host mail.isp.example[192.0.2.7] said: 454 4.7.1 <friend@remote.example>: Relay access denied (in reply to RCPT TO command))"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(q.all())
			cfg := sohoConfig(t, lg, isp, c.extra, c.passwd)
			m := newMessage(t, "s@example.org", testContent, "friend@remote.example")
			r := run(t, m, cfg, relayhost)
			if got := statuses(r); got != c.status {
				t.Fatalf("%s\n%s", got, lg)
			}
			for _, w := range c.want {
				lg.has(t, w)
			}
			if c.status == "sent" {
				msgs := q.all()
				if len(msgs) != before+1 || msgs[len(msgs)-1].rcpts[0] != "friend@remote.example" {
					t.Errorf("the ISP did not get the message: %d", len(msgs))
				}
			}
		})
	}
}
