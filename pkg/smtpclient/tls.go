package smtpclient

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// tlsLevel is smtp_tls_security_level, ordered as Postfix's TLS_LEV_*.
type tlsLevel int

const (
	tlsNone tlsLevel = iota
	tlsMay
	tlsEncrypt
	tlsVerify // "verify" and "secure": certificate checked
)

// parseTLSLevel maps a smtp_tls_security_level value. "dane" and
// "dane-only" are not supported: without DNSSEC-validated TLSA records
// Postfix itself falls back to "may" for dane and defers for dane-only.
func parseTLSLevel(v string) (tlsLevel, error) {
	switch strings.ToLower(v) {
	case "", "none":
		return tlsNone, nil
	case "may":
		return tlsMay, nil
	case "encrypt":
		return tlsEncrypt, nil
	case "verify", "secure", "fingerprint":
		if strings.EqualFold(v, "fingerprint") {
			return 0, fmt.Errorf("TLS security level \"fingerprint\" is not implemented")
		}
		return tlsVerify, nil
	case "dane":
		// XXX: no DANE; opportunistic TLS as Postfix does when the
		// TLSA records are not DNSSEC-validated.
		return tlsMay, nil
	}
	return 0, fmt.Errorf("invalid TLS security level: %s", v)
}

// TLSConfig are the client TLS settings (smtp_tls_*).
type TLSConfig struct {
	Level     string // smtp_tls_security_level
	Wrapper   bool   // smtp_tls_wrappermode
	LogLevel  int    // smtp_tls_loglevel
	NoteOffer bool   // smtp_tls_note_starttls_offer
	CAFile    string // smtp_tls_CAfile
	CertFile  string // smtp_tls_cert_file
	KeyFile   string // smtp_tls_key_file
	Roots     *x509.CertPool
	certs     []tls.Certificate
}

// load reads the CA and client certificate files.
func (t *TLSConfig) load() error {
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return fmt.Errorf("cannot load Certification Authority data: %w", err)
		}
		t.Roots = x509.NewCertPool()
		if !t.Roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("cannot load Certification Authority data: no certificates in %s", t.CAFile)
		}
	}
	if t.CertFile != "" {
		key := t.KeyFile
		if key == "" {
			key = t.CertFile
		}
		c, err := tls.LoadX509KeyPair(t.CertFile, key)
		if err != nil {
			return fmt.Errorf("cannot load certificate and key: %w", err)
		}
		t.certs = []tls.Certificate{c}
	}
	return nil
}

// startTLS runs the TLS handshake on the session's connection. With
// "may", a failed handshake asks for a plaintext retry of the same
// address, as Postfix does.
func (s *session) startTLS() *failure {
	cfg := s.a.cfg
	conf := &tls.Config{ServerName: s.host, InsecureSkipVerify: true, Certificates: cfg.TLS.certs,
		MinVersion: tls.VersionTLS10}
	tc := tls.Client(s.conn, conf)
	tc.SetDeadline(time.Now().Add(cfg.Timeouts.StartTLS))
	if err := tc.Handshake(); err != nil {
		cfg.warn("TLS library problem: %v", err)
		f := &failure{dsn: deliver.Simple("4.7.5", "Cannot start TLS: handshake failure"), throttle: true}
		f.retryPlain = s.a.tlsLevel == tlsMay
		return f
	}
	st := tc.ConnectionState()
	trust := s.checkPeer(&st)
	if s.a.tlsLevel >= tlsVerify && trust != "Verified" {
		return &failure{dsn: deliver.Simple("4.7.5",
			"Server certificate not verified"), throttle: true}
	}
	s.setConn(tc)
	s.tlsState = &st
	if cfg.TLS.LogLevel >= 1 {
		cfg.info("%s TLS connection established to %s: %s", trust, s.namaddrport, tlsSummary(&st))
	}
	return nil
}

// checkPeer classifies the server certificate as Postfix logs it:
// Verified (trusted chain, matching name), Trusted (trusted chain) or
// Untrusted.
func (s *session) checkPeer(st *tls.ConnectionState) string {
	if len(st.PeerCertificates) == 0 {
		return "Anonymous"
	}
	opts := x509.VerifyOptions{Roots: s.a.cfg.TLS.Roots, Intermediates: x509.NewCertPool()}
	for _, c := range st.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	leaf := st.PeerCertificates[0]
	if _, err := leaf.Verify(opts); err != nil {
		return "Untrusted"
	}
	if leaf.VerifyHostname(s.host) == nil || leaf.VerifyHostname(s.a.nexthopDomain) == nil {
		return "Verified"
	}
	return "Trusted"
}

// tlsSummary is the protocol and cipher part of the log line.
func tlsSummary(st *tls.ConnectionState) string {
	bits := cipherBits(st.CipherSuite)
	// XXX: Go's cipher names; OpenSSL names TLS 1.2 suites differently
	// (ECDHE-RSA-AES256-GCM-SHA384).
	return fmt.Sprintf("%s with cipher %s (%d/%d bits)", tlsVersion(st.Version),
		tls.CipherSuiteName(st.CipherSuite), bits, bits)
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS10:
		return "TLSv1"
	}
	return "unknown"
}

func cipherBits(id uint16) int {
	name := tls.CipherSuiteName(id)
	switch {
	case strings.Contains(name, "AES_256"), strings.Contains(name, "CHACHA20"):
		return 256
	case strings.Contains(name, "AES_128"):
		return 128
	case strings.Contains(name, "3DES"):
		return 168
	}
	return 0
}
