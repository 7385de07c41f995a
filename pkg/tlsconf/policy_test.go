package tlsconf

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/tlsconf/tlstest"
)

func newTestClient(t *testing.T, m map[string]string) *Client {
	t.Helper()
	c, err := NewClient(testCfg(m), "smtp_")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPolicyMaps(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "tls_policy")
	os.WriteFile(table, []byte(`example.com encrypt protocols=>=TLSv1.2 ciphers=high
.example.net verify match=hostname:.example.net
[mail.isp.example]:587 secure
bad.example may match=x
none.example none ciphers=high
worse.example bogus
dane.example dane
`), 0o644)
	c := newTestClient(t, map[string]string{"smtp_tls_policy_maps": "texthash:" + table, "smtp_tls_security_level": "may"})
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, sprintf(f, a...)) }
	for dest, want := range map[string]string{
		"example.com":            "encrypt >=TLSv1.2 high ",
		"sub.example.net":        "verify >=TLSv1 medium hostname,.example.net",
		"[mail.isp.example]:587": "secure >=TLSv1 medium nexthop,dot-nexthop",
		"[mail.isp.example]":     "may >=TLSv1 medium ",
		"other.org":              "may >=TLSv1 medium ",
		"bad.example":            "unknown   ",
		"none.example":           "none   ",
		"worse.example":          "unknown   ",
		"dane.example":           "unknown   ",
	} {
		p := c.PolicyFor(dest, warn)
		got := strings.Join([]string{p.Level.String(), p.Protocols, p.Grade, strings.Join(p.Match, ",")}, " ")
		if got != want {
			t.Errorf("%s: got %q, want %q", dest, got, want)
		}
	}
	for _, w := range []string{
		`smtp_tls_policy_maps, next-hop destination "bad.example": attribute "match" invalid at security level "may"`,
		`smtp_tls_policy_maps, next-hop destination "none.example": ignoring attribute "ciphers=high" with TLS disabled`,
		`smtp_tls_policy_maps, next-hop destination "worse.example": invalid security level "bogus"`,
	} {
		if !contains(warnings, w) {
			t.Errorf("no warning %q in %q", w, warnings)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestClientLevels(t *testing.T) {
	for m, want := range map[[2]string]string{
		{"smtp_use_tls", "yes"}:             "may",
		{"smtp_enforce_tls", "yes"}:         "verify", // smtp_tls_enforce_peername = yes
		{"smtp_tls_security_level", "none"}: "none",
	} {
		if c := newTestClient(t, map[string]string{m[0]: m[1]}); c.Level.String() != want {
			t.Errorf("%v: %v", m, c.Level)
		}
	}
	for lv, want := range map[string]string{
		"dane":        `smtp_tls_security_level: TLS security level "dane" is not implemented in Postern (no DNSSEC-validated TLSA lookups)`,
		"fingerprint": `smtp_tls_security_level: TLS security level "fingerprint" is not implemented in Postern`,
		"strong":      `invalid TLS level "strong"`,
	} {
		if _, err := NewClient(testCfg(map[string]string{"smtp_tls_security_level": lv}), "smtp_"); err == nil || err.Error() != want {
			t.Errorf("%s: %v", lv, err)
		}
	}
}

// handshake runs a TLS handshake over a pipe and returns the client's
// view.
func handshake(t *testing.T, server, client *tls.Config) tls.ConnectionState {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	done := make(chan error, 1)
	go func() { done <- tls.Server(a, server).Handshake() }()
	cc := tls.Client(b, client)
	if err := cc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return cc.ConnectionState()
}

func TestVerifyAndSummary(t *testing.T) {
	ca := tlstest.NewCA(t)
	leaf := ca.Issue(t, 2048, "mx1.example.com")
	certs, err := KeyFiles{CertFile: leaf.CertFile, KeyFile: leaf.KeyFile}.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	server := &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS10}
	trusting := newTestClient(t, map[string]string{"smtp_tls_CAfile": ca.File})
	plain := newTestClient(t, nil)
	for _, c := range []struct {
		cl            *Client
		level, host   string
		trust, reason string
	}{
		{trusting, "may", "mx1.example.com", "Trusted", ""},
		{trusting, "verify", "mx1.example.com", "Verified", ""},
		{trusting, "verify", "mx2.example.com", "Untrusted", "server certificate verification failed for %s: num=62:hostname mismatch"},
		{trusting, "secure", "mx1.example.com", "Verified", ""}, // nexthop example.com, dot-nexthop
		{plain, "encrypt", "mx1.example.com", "Untrusted", "certificate verification failed for %s: untrusted issuer /CN=Postern Test CA"},
	} {
		p := c.cl.PolicyFor("example.com", nil)
		p.Level = LookupLevel(c.level)
		p.Match = nil
		c.cl.defaults(&p)
		conf, err := c.cl.HandshakeConfig(p, c.host, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		st := handshake(t, server, conf)
		trust, why := c.cl.Verify(&st, p, c.host, "example.com")
		if trust != c.trust || why != c.reason {
			t.Errorf("%s %s: %s %q", c.level, c.host, trust, why)
		}
	}
	st := handshake(t, server, &tls.Config{InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519}})
	info := Describe(&st, st.PeerCertificates[0])
	want := "Anonymous TLS connection established from h[1.2.3.4]: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) " +
		"key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
	if got := info.LogLine("Anonymous", true, false, "h[1.2.3.4]"); got != want && !strings.Contains(got, "TLS_AES_256_GCM_SHA384") &&
		!strings.Contains(got, "TLS_CHACHA20") {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := info.Received(); !strings.HasPrefix(got, "\t(using TLSv1.3 with cipher ") ||
		!strings.HasSuffix(got, "\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n\t(No client certificate requested)") {
		t.Errorf("Received: %q", got)
	}
	st = handshake(t, server, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}})
	if got := Describe(&st, nil).Summary(); got != "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)" {
		t.Errorf("TLS 1.2: %s", got)
	}
}
