package smtpclient

import (
	"github.com/postern/postern/pkg/tlsconf"
)

// tlsSettings reads the TLS parameters (smtp_tls_* or lmtp_tls_*).
func (r *reader) tlsSettings(c *Config, pfx string) {
	cs, err := tlsconf.ReadClientSettings(r.cfg, pfx)
	r.fail(err)
	c.TLS = TLSConfig{Level: cs.Level.String(), Wrapper: cs.Wrapper, LogLevel: cs.LogLevel,
		NoteOffer: cs.NoteOffer, CAFile: cs.CAFile, CertFile: cs.Keys.CertFile, KeyFile: cs.Keys.KeyFile,
		Settings: &cs}
}

// securityParams are the TLS and SASL parameters the client reads.
func securityParams(pfx string) []string {
	var out []string
	for _, p := range tlsconf.ClientParams {
		out = append(out, pfx+p)
	}
	for _, p := range saslParams {
		out = append(out, pfx+p)
	}
	return append(out, "tls_append_default_CA", "tls_high_cipherlist", "tls_medium_cipherlist",
		"tls_low_cipherlist", "tls_export_cipherlist")
}
