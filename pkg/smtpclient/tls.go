package smtpclient

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/tlsconf"
)

// TLS for the SMTP and LMTP client (smtp_proto.c smtp_start_tls(),
// smtp_tls_policy.c): the security level of each destination from
// smtp_tls_policy_maps or main.cf, the handshake with the level's
// protocols and ciphers, and the certificate check; pkg/tlsconf does
// the parameter work.

// tlsLevel is a TLS security level; comparisons mean "at least".
type tlsLevel = tlsconf.Level

const (
	tlsNone    = tlsconf.LevelNone
	tlsMay     = tlsconf.LevelMay
	tlsEncrypt = tlsconf.LevelEncrypt
	tlsVerify  = tlsconf.LevelVerify
)

// parseTLSLevel maps a level name. dane, dane-only and fingerprint are
// refused: they need DNSSEC-validated TLSA records or fingerprint
// matching, which Postern does not have.
func parseTLSLevel(v string) (tlsLevel, error) {
	if v == "" {
		return tlsNone, nil
	}
	l := tlsconf.LookupLevel(v)
	switch l {
	case tlsconf.LevelInvalid:
		return 0, fmt.Errorf("invalid TLS level \"%s\"", v)
	case tlsconf.LevelDane, tlsconf.LevelDaneOnly, tlsconf.LevelFingerprint:
		return 0, fmt.Errorf("TLS security level \"%s\" is not implemented in Postern", v)
	}
	return l, nil
}

// TLSConfig are the client TLS settings. NewConfig fills Settings from
// main.cf; a hand-made TLSConfig (tests) uses the few fields below and
// Postfix's defaults for the rest.
type TLSConfig struct {
	Level     string // smtp_tls_security_level, after the legacy fallback
	Wrapper   bool   // smtp_tls_wrappermode
	LogLevel  int    // smtp_tls_loglevel
	NoteOffer bool   // smtp_tls_note_starttls_offer
	CAFile    string // smtp_tls_CAfile
	CertFile  string // smtp_tls_cert_file
	KeyFile   string // smtp_tls_key_file
	Settings  *tlsconf.ClientSettings
	client    *tlsconf.Client
}

// load reads the CA, certificate and policy files.
func (t *TLSConfig) load() error {
	cs := tlsconf.ClientSettings{Level: tlsconf.LookupLevel(t.Level), Wrapper: t.Wrapper,
		LogLevel: t.LogLevel, NoteOffer: t.NoteOffer, CAFile: t.CAFile,
		Keys: tlsconf.KeyFiles{CertFile: t.CertFile, KeyFile: t.KeyFile}}
	if t.Settings != nil {
		cs = *t.Settings
	}
	if t.Level == "" || t.Level == "none" {
		cs.Level = tlsconf.LevelNone
	}
	c, err := cs.NewClient()
	if err != nil {
		return err
	}
	t.client = c
	return nil
}

// tlsPolicy sets the security level for a destination as written in
// the nexthop (smtp_tls_policy_maps, else main.cf). An invalid policy
// fails the destination with "client TLS configuration problem".
// XXX: Postfix reads the server's greeting before it reports that.
func (a *attempt) tlsPolicy(dest string) bool {
	a.dest = dest
	p := a.cfg.TLS.client.PolicyFor(dest, a.cfg.warn)
	if p.Level == tlsconf.LevelInvalid {
		dsn := deliver.Simple(p.Status, p.Reason)
		a.why = &dsn
		return false
	}
	a.tlsLevel = p.Level
	return true
}

// startTLS runs the TLS handshake on the session's connection. With
// "may", a failed handshake asks for a plaintext retry of the same
// address, as Postfix does.
func (s *session) startTLS() *failure {
	cfg := s.a.cfg
	tc := cfg.TLS.client
	p := tc.PolicyFor(s.a.dest, func(string, ...any) {})
	p.Level = s.a.tlsLevel
	conf, err := tc.HandshakeConfig(p, s.host, s.a.nexthopDomain)
	if err != nil {
		cfg.warn("%s: %v: aborting TLS session", s.namaddrport, err)
		return &failure{dsn: deliver.Simple("4.7.5", "Cannot start TLS: handshake failure"), throttle: true}
	}
	conn := tls.Client(s.conn, conf)
	conn.SetDeadline(time.Now().Add(cfg.Timeouts.StartTLS))
	if err := conn.Handshake(); err != nil {
		cfg.info("SSL_connect error to %s: -1", s.namaddrport)
		cfg.warn("TLS library problem: %v", err)
		f := &failure{dsn: deliver.Simple("4.7.5", "Cannot start TLS: handshake failure"), throttle: s.a.tlsLevel != tlsMay}
		f.retryPlain = s.a.tlsLevel == tlsMay
		return f
	}
	st := conn.ConnectionState()
	trust, why := tc.Verify(&st, p, s.host, s.a.nexthopDomain)
	if why != "" && (p.Level.MustMatch() || cfg.TLS.LogLevel >= 2) {
		cfg.info(why, s.namaddrport)
	}
	s.setConn(conn)
	s.tlsState = &st
	if cfg.TLS.LogLevel >= 1 {
		cfg.info("%s", tlsconf.Describe(&st, st.PeerCertificates[0]).LogLine(trust, false, st.DidResume, s.namaddrport))
	}
	if p.Level.MustMatch() && trust != "Verified" {
		return &failure{dsn: deliver.Simple("4.7.5", "Server certificate not verified"), throttle: true}
	}
	return nil
}
