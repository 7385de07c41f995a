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

// ClientSettings are the client TLS parameters as read from main.cf;
// programs and tests may also fill them by hand (empty fields get
// Postfix's defaults).
type ClientSettings struct {
	Prefix                        string // "smtp_" or "lmtp_"
	Level                         Level  // after the legacy use_tls/enforce_tls fallback
	Wrapper, NoteOffer            bool
	LogLevel                      int
	CAFile, CAPath                string
	AppendDefaultCA               bool
	Keys                          KeyFiles
	Protocols, MandatoryProtocols string
	Ciphers, MandatoryCiphers     string
	Exclude, MandatoryExclude     string
	VerifyMatch, SecureMatch      []string
	ServerName                    string
	PolicyMaps                    string
	PerSite                       string
	// Param returns other parameters (tls_*_cipherlist, $name in
	// tables); nil means Postfix's defaults.
	Param func(name string) string
}

// ReadClientSettings reads the parameters with prefix "smtp_" or "lmtp_".
func ReadClientSettings(cfg *config.Config, prefix string) (ClientSettings, error) {
	r := reader{cfg: cfg}
	p := func(n string) string { return r.str(prefix + n) }
	cs := ClientSettings{Prefix: prefix, Wrapper: r.boolean(prefix + "tls_wrappermode"),
		LogLevel: r.integer(prefix + "tls_loglevel"), NoteOffer: r.boolean(prefix + "tls_note_starttls_offer"),
		CAFile: p("tls_CAfile"), CAPath: p("tls_CApath"), AppendDefaultCA: r.boolean("tls_append_default_CA"),
		Keys: KeyFiles{ChainFiles: r.list(prefix + "tls_chain_files"), CertFile: p("tls_cert_file"),
			KeyFile: p("tls_key_file"), ECCertFile: p("tls_eccert_file"), ECKeyFile: p("tls_eckey_file"),
			DCertFile: p("tls_dcert_file")},
		Protocols: p("tls_protocols"), MandatoryProtocols: p("tls_mandatory_protocols"),
		Ciphers: p("tls_ciphers"), MandatoryCiphers: p("tls_mandatory_ciphers"),
		Exclude: p("tls_exclude_ciphers"), MandatoryExclude: p("tls_mandatory_exclude_ciphers"),
		VerifyMatch: r.list(prefix + "tls_verify_cert_match"), SecureMatch: r.list(prefix + "tls_secure_cert_match"),
		ServerName: p("tls_servername"), PolicyMaps: p("tls_policy_maps"), PerSite: p("tls_per_site"),
		Param: r.param}
	cs.Level = globalLevel(&r, prefix)
	if cs.PerSite != "" {
		r.fail(fmt.Errorf("%stls_per_site is not implemented in Postern: use %stls_policy_maps", prefix, prefix))
	}
	return cs, r.err
}

// NewClient reads the client TLS parameters with prefix "smtp_" or
// "lmtp_" and loads the files they name.
func NewClient(cfg *config.Config, prefix string) (*Client, error) {
	cs, err := ReadClientSettings(cfg, prefix)
	if err != nil {
		return nil, err
	}
	return cs.NewClient()
}

// NewClient checks the settings and loads the files. Levels Postern
// cannot do (dane, dane-only, fingerprint) are errors, as are unreadable
// certificate or CA files.
func (cs ClientSettings) NewClient() (*Client, error) {
	cs.defaults()
	c := &Client{Prefix: cs.Prefix, Level: cs.Level, Wrapper: cs.Wrapper, LogLevel: cs.LogLevel,
		NoteOffer: cs.NoteOffer, VerifyMatch: cs.VerifyMatch, SecureMatch: cs.SecureMatch,
		ServerName: cs.ServerName, protocols: cs.Protocols, mandProtocols: cs.MandatoryProtocols,
		ciphers: cs.Ciphers, mandCiphers: cs.MandatoryCiphers, exclude: cs.Exclude,
		mandExclude: cs.MandatoryExclude, param: cs.Param}
	if err := c.checkLevel(c.Level, cs.Prefix+"tls_security_level"); err != nil {
		return nil, err
	}
	if cs.PerSite != "" {
		return nil, fmt.Errorf("%stls_per_site is not implemented in Postern: use %stls_policy_maps", cs.Prefix, cs.Prefix)
	}
	return c, c.load(cs)
}

// defaults fills what hand-made settings leave empty.
func (cs *ClientSettings) defaults() {
	if cs.Prefix == "" {
		cs.Prefix = "smtp_"
	}
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cs.Protocols, ">=TLSv1")
	def(&cs.MandatoryProtocols, ">=TLSv1")
	def(&cs.Ciphers, "medium")
	def(&cs.MandatoryCiphers, "medium")
	if cs.VerifyMatch == nil {
		cs.VerifyMatch = []string{"hostname"}
	}
	if cs.SecureMatch == nil {
		cs.SecureMatch = []string{"nexthop", "dot-nexthop"}
	}
	if cs.Param == nil {
		cs.Param = func(name string) string {
			p, _ := config.LookupParam(name)
			return p.Default
		}
	}
}

// globalLevel is global_tls_level(): the security level, or the legacy
// use_tls / enforce_tls / tls_enforce_peername.
func globalLevel(r *reader, p string) Level {
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
func (c *Client) load(cs ClientSettings) error {
	var err error
	if c.Certs, err = cs.Keys.Load(nil); err != nil {
		return err
	}
	if c.Roots, err = LoadCA(cs.CAFile, cs.CAPath, cs.AppendDefaultCA); err != nil {
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
	if cs.PolicyMaps != "" {
		c.Policy, err = dict.OpenMaps(cs.Prefix+"tls_policy_maps", cs.PolicyMaps,
			dict.Options{Flags: dict.MapsFlags, Param: cs.Param})
	}
	return err
}
