package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Client are the TLS settings of smtp(8) or lmtp(8) (prefix "smtp_" or
// "lmtp_").
type Client struct {
	Prefix      string
	Level       Level // the main.cf level (global_tls_level())
	Wrapper     bool  // *_tls_wrappermode
	LogLevel    int   // *_tls_loglevel
	NoteOffer   bool  // *_tls_note_starttls_offer
	Roots       *x509.CertPool
	Certs       []tls.Certificate
	VerifyMatch []string // *_tls_verify_cert_match
	SecureMatch []string // *_tls_secure_cert_match
	ServerName  string   // *_tls_servername: "", "hostname", "nexthop" or a name
	Policy      *dict.Maps

	protocols, mandProtocols string
	ciphers, mandCiphers     string
	exclude, mandExclude     string
	param                    func(string) string
}

// ClientParams are the parameters NewClient reads, without prefix.
var ClientParams = []string{
	"tls_security_level", "use_tls", "enforce_tls", "tls_enforce_peername", "tls_wrappermode",
	"tls_loglevel", "tls_note_starttls_offer", "tls_CAfile", "tls_CApath", "tls_cert_file",
	"tls_key_file", "tls_eccert_file", "tls_eckey_file", "tls_dcert_file", "tls_chain_files",
	"tls_protocols", "tls_mandatory_protocols", "tls_ciphers", "tls_mandatory_ciphers",
	"tls_exclude_ciphers", "tls_mandatory_exclude_ciphers", "tls_verify_cert_match",
	"tls_secure_cert_match", "tls_policy_maps", "tls_per_site", "tls_servername",
}

// NewClient reads the client TLS parameters with prefix "smtp_" or
// "lmtp_". Levels Postern cannot do (dane, dane-only, fingerprint) are
// errors, as are unreadable certificate or CA files.
func NewClient(cfg *config.Config, prefix string) (*Client, error) {
	r := reader{cfg: cfg}
	p := func(n string) string { return r.str(prefix + n) }
	c := &Client{Prefix: prefix, Wrapper: r.boolean(prefix + "tls_wrappermode"),
		LogLevel: r.integer(prefix + "tls_loglevel"), NoteOffer: r.boolean(prefix + "tls_note_starttls_offer"),
		VerifyMatch: r.list(prefix + "tls_verify_cert_match"), SecureMatch: r.list(prefix + "tls_secure_cert_match"),
		ServerName: p("tls_servername"), protocols: p("tls_protocols"), mandProtocols: p("tls_mandatory_protocols"),
		ciphers: p("tls_ciphers"), mandCiphers: p("tls_mandatory_ciphers"), exclude: p("tls_exclude_ciphers"),
		mandExclude: p("tls_mandatory_exclude_ciphers"), param: r.param}
	c.Level = c.globalLevel(&r)
	if r.err != nil {
		return nil, r.err
	}
	if err := c.checkLevel(c.Level, prefix+"tls_security_level"); err != nil {
		return nil, err
	}
	if p("tls_per_site") != "" {
		return nil, fmt.Errorf("%stls_per_site is not implemented in Postern: use %stls_policy_maps", prefix, prefix)
	}
	if err := c.load(&r, p); err != nil {
		return nil, err
	}
	return c, r.err
}

// globalLevel is global_tls_level(): the security level, or the legacy
// use_tls / enforce_tls / tls_enforce_peername.
func (c *Client) globalLevel(r *reader) Level {
	p := c.Prefix
	if v := r.str(p + "tls_security_level"); v != "" {
		l := LookupLevel(v)
		if l == LevelInvalid {
			r.fail(fmt.Errorf("invalid TLS level \"%s\"", v))
		}
		return l
	}
	switch {
	case r.boolean(p+"enforce_tls") && r.boolean(p+"tls_enforce_peername"):
		return LevelVerify
	case r.boolean(p + "enforce_tls"):
		return LevelEncrypt
	case r.boolean(p + "use_tls"):
		return LevelMay
	}
	return LevelNone
}

// checkLevel refuses the levels that need what Postern does not have.
func (c *Client) checkLevel(l Level, where string) error {
	switch l {
	case LevelDane, LevelDaneOnly:
		return fmt.Errorf("%s: TLS security level \"%s\" is not implemented in Postern (no DNSSEC-validated TLSA lookups)", where, l)
	case LevelFingerprint:
		return fmt.Errorf("%s: TLS security level \"fingerprint\" is not implemented in Postern", where)
	}
	return nil
}

// load opens the certificate files, the CA data and the policy table,
// and checks the protocol and cipher settings once.
func (c *Client) load(r *reader, p func(string) string) error {
	files := KeyFiles{ChainFiles: r.list(c.Prefix + "tls_chain_files"), CertFile: p("tls_cert_file"),
		KeyFile: p("tls_key_file"), ECCertFile: p("tls_eccert_file"), ECKeyFile: p("tls_eckey_file"),
		DCertFile: p("tls_dcert_file")}
	var err error
	if c.Certs, err = files.Load(nil); err != nil {
		return err
	}
	if c.Roots, err = LoadCA(p("tls_CAfile"), p("tls_CApath"), r.boolean("tls_append_default_CA")); err != nil {
		return err
	}
	for _, pl := range []string{c.protocols, c.mandProtocols} {
		if _, _, err := Protocols(pl); err != nil {
			return err
		}
	}
	for _, g := range []string{c.ciphers, c.mandCiphers} {
		if _, err := GradeCiphers(g, c.param, c.exclude, c.mandExclude); err != nil {
			return err
		}
	}
	if spec := p("tls_policy_maps"); spec != "" {
		c.Policy, err = dict.OpenMaps(c.Prefix+"tls_policy_maps", spec,
			dict.Options{Flags: dict.MapsFlags, Param: r.cfg.Get})
	}
	return err
}
