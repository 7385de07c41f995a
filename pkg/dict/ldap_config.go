package dict

// Reading an ldap_table(5) configuration into ldapConfig, with Postfix
// 3.7's defaults and checks (dict_ldap_open() in global/dict_ldap.c).

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// ldapConfig is one LDAP source's settings.
type ldapConfig struct {
	name        string   // as given after "ldap:"
	urls        []string // server_host as LDAP URLs, tried in order
	ldaps       bool     // some URL is ldaps://
	scope       int
	searchBase  string
	dynamicBase bool // search_base depends on the key
	query       string
	format      string // result_format
	tmpl        *ldapTemplates
	domains     *ldapDomainList // nil: every key is eligible

	// attrs are the result attributes in Postfix's order: terminal, leaf,
	// ordinary, special. nTerminal, nLeaf and nAttributes (terminal + leaf
	// + ordinary) index into it.
	attrs                         []string
	nTerminal, nLeaf, nAttributes int

	bind           bool // bind at all (bind = yes, simple or sasl)
	sasl           bool // SASL EXTERNAL bind instead of a simple one
	bindDN, bindPW string
	timeout        time.Duration // 0: none
	recursionLimit int
	expansionLimit int
	sizeLimit      int
	deref          int
	startTLS       bool
	tls            ldapTLSSettings
}

// ldapTLSSettings are the tls_* parameters.
type ldapTLSSettings struct {
	requireCert             bool
	caFile, caDir           string
	certFile, keyFile       string
	cipherSuite, randomFile string
}

// loadLDAPConfig reads and checks the configuration of "ldap:name".
func loadLDAPConfig(name string, opts Options) (*ldapConfig, error) {
	p, err := loadLDAPParams(name, opts)
	if err != nil {
		return nil, err
	}
	c := &ldapConfig{name: name}
	steps := []func(*ldapParams, Options) error{
		c.loadServers, c.loadTemplates, c.loadAttributes, c.loadBind,
		c.loadLimits, c.loadTLS, c.loadUnsupported,
	}
	for _, step := range steps {
		if err := step(p, opts); err != nil {
			if c.domains != nil {
				c.domains.close()
			}
			return nil, err
		}
	}
	return c, nil
}

// loadServers reads server_host, server_port, version, scope and
// start_tls. server_host items are LDAP URLs or host[:port] (made
// ldap://host:port).
func (c *ldapConfig) loadServers(p *ldapParams, opts Options) error {
	hosts, err := p.str("server_host", "localhost", 1, 0)
	if err != nil {
		return err
	}
	port, err := p.int("server_port", 389, 0, 0)
	if err != nil {
		return err
	}
	version, err := c.loadVersion(p, opts)
	if err != nil {
		return err
	}
	for _, h := range strings.FieldsFunc(hosts, isListSep) {
		version = c.addServer(h, port, version, opts)
	}
	if len(c.urls) == 0 {
		return fmt.Errorf("%s: no usable server_host in %q", p.name, hosts)
	}
	if err := c.loadScope(p, opts); err != nil {
		return err
	}
	c.startTLS, err = p.bool("start_tls", false)
	if err == nil && c.startTLS && version < 3 {
		opts.warnf("dict_ldap_open: %s start_tls requires protocol version 3", c.name)
	}
	return err
}

// loadVersion reads the protocol version. Debian's Postfix 3.7 defaults to
// 3, as its ldap_table(5) says (upstream: 2, and "using 2" below).
//
// XXX: go-ldap speaks LDAPv3 only; "version = 2" is accepted and LDAPv3 is
// used anyway.
func (c *ldapConfig) loadVersion(p *ldapParams, opts Options) (int, error) {
	version, err := p.int("version", 3, 2, 0)
	if err == nil && version != 2 && version != 3 {
		opts.warnf("dict_ldap_open: %s Unknown version %d, using 3.", c.name, version)
		version = 3
	}
	return version, err
}

// addServer adds one server_host item and returns the protocol version,
// raised to 3 for URL schemes that need it.
func (c *ldapConfig) addServer(h string, port, version int, opts Options) int {
	if !isLDAPURL(h) {
		if !strings.Contains(h, ":") {
			h += ":" + strconv.Itoa(port)
		}
		c.urls = append(c.urls, "ldap://"+h)
		return version
	}
	scheme, rest, _ := ldapURLBody(h)
	if err := checkServerURL(h, scheme); err != nil {
		opts.warnf("dict_ldap_open: error parsing URL %s: %v; skipping", h, err)
		return version
	}
	if scheme != "ldap" && version != 3 {
		opts.warnf("dict_ldap_open: URL scheme %s requires protocol version 3", scheme)
		version = 3
	}
	c.ldaps = c.ldaps || scheme == "ldaps"
	if strings.HasPrefix(h, "<") {
		rest = strings.TrimSuffix(rest, ">")
	}
	// The form go-ldap dials: lower-case scheme, no "<URL:...>" wrapping.
	c.urls = append(c.urls, scheme+"://"+rest)
	return version
}

// loadScope reads the search scope.
func (c *ldapConfig) loadScope(p *ldapParams, opts Options) error {
	scope, err := p.str("scope", "sub", 1, 0)
	if err != nil {
		return err
	}
	switch strings.ToLower(scope) {
	case "one":
		c.scope = ldap.ScopeSingleLevel
	case "base":
		c.scope = ldap.ScopeBaseObject
	case "sub":
		c.scope = ldap.ScopeWholeSubtree
	default:
		opts.warnf("dict_ldap_open: %s: Unrecognized value %s specified for scope; using sub", c.name, scope)
		c.scope = ldap.ScopeWholeSubtree
	}
	return nil
}

// checkServerURL accepts the server_host URLs go-ldap can dial. As with
// libldap, a DN or filter in such a URL is ignored.
func checkServerURL(h, scheme string) error {
	if scheme == "cldap" {
		return fmt.Errorf("connectionless LDAP (cldap) is not supported")
	}
	_, err := parseLDAPURLValue(h)
	return err
}

// isListSep is Postfix's CHARS_COMMA_SP.
func isListSep(r rune) bool {
	return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
}

// loadTemplates reads search_base, query_filter, result_format and domain.
func (c *ldapConfig) loadTemplates(p *ldapParams, opts Options) error {
	var err error
	if c.searchBase, err = p.str("search_base", "", 0, 0); err != nil {
		return err
	}
	if c.query, err = p.str("query_filter", "(mailacceptinggeneralid=%s)", 0, 0); err != nil {
		return err
	}
	c.format, err = p.str("result_format", "", 0, 0)
	if err == nil && c.format == "" {
		c.format, err = p.str("result_filter", "%s", 1, 0)
	}
	if err != nil {
		return err
	}
	c.tmpl = &ldapTemplates{name: c.name, warn: opts.warnf}
	if c.dynamicBase, err = c.tmpl.parse(c.searchBase, true); err != nil {
		return err
	}
	dynamic, err := c.tmpl.parse(c.query, true)
	if err != nil {
		return err
	}
	if !dynamic {
		opts.warnf("dict_ldap_open: %s: Fixed query_filter %s is probably useless", c.name, c.query)
	}
	if _, err := c.tmpl.parse(c.format, false); err != nil {
		return err
	}
	list, err := p.str("domain", "", 0, 0)
	if err != nil || list == "" {
		return err
	}
	c.domains, err = parseLDAPDomainList(c.name, list, opts)
	return err
}

// loadAttributes reads the four result attribute lists in Postfix's order.
func (c *ldapConfig) loadAttributes(p *ldapParams, _ Options) error {
	lists := []struct {
		name, def string
		count     *int
	}{
		{"terminal_result_attribute", "", &c.nTerminal},
		{"leaf_result_attribute", "", &c.nLeaf},
		{"result_attribute", "maildrop", &c.nAttributes},
		{"special_result_attribute", "", nil},
	}
	for _, l := range lists {
		v, err := p.str(l.name, l.def, 0, 0)
		if err != nil {
			return err
		}
		before := len(c.attrs)
		c.attrs = append(c.attrs, strings.FieldsFunc(v, isListSep)...)
		if l.count != nil {
			*l.count = len(c.attrs) - before
		}
	}
	c.nAttributes += c.nTerminal + c.nLeaf
	return nil
}

// loadBind reads bind, bind_dn and bind_pw, and the sasl_* parameters
// with bind = sasl.
func (c *ldapConfig) loadBind(p *ldapParams, _ Options) error {
	v, err := p.str("bind", "yes", 1, 0)
	if err != nil {
		return err
	}
	switch strings.ToLower(v) {
	case "no", "none":
	case "yes", "simple":
		c.bind = true
	case "sasl":
		c.bind, c.sasl = true, true
		if err := c.loadSASL(p); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: unsupported parameter value: bind = %s", p.name, v)
	}
	if c.bindDN, err = p.str("bind_dn", "", 0, 0); err != nil {
		return err
	}
	c.bindPW, err = p.str("bind_pw", "", 0, 0)
	return err
}

// loadSASL checks the sasl_* parameters. Postern binds with SASL EXTERNAL
// only (the identity of an ldapi:// client or of a TLS client
// certificate); Postfix hands any mechanism to Cyrus SASL.
func (c *ldapConfig) loadSASL(p *ldapParams) error {
	mechs, err := p.str("sasl_mechs", "", 0, 0)
	if err != nil {
		return err
	}
	external := false
	for _, m := range strings.Fields(mechs) {
		external = external || strings.EqualFold(m, "EXTERNAL")
	}
	if !external {
		return fmt.Errorf("%s: unsupported parameter value: sasl_mechs = %s (Postern's LDAP SASL bind supports EXTERNAL only)", p.name, mechs)
	}
	if authz, err := p.str("sasl_authz_id", "", 0, 0); err != nil || authz != "" {
		if err == nil {
			err = fmt.Errorf("%s: unsupported parameter value: sasl_authz_id = %s (Postern's SASL EXTERNAL bind asserts no authorization identity)", p.name, authz)
		}
		return err
	}
	if _, err := p.str("sasl_realm", "", 0, 0); err != nil {
		return err
	}
	ssf, err := p.int("sasl_minssf", 0, 0, 4096)
	if err == nil && ssf > 0 {
		err = fmt.Errorf("%s: unsupported parameter value: sasl_minssf = %d (Postern does not check SASL security strength)", p.name, ssf)
	}
	return err
}

// loadLimits reads timeout, the limits and dereference.
func (c *ldapConfig) loadLimits(p *ldapParams, opts Options) error {
	timeout, err := p.int("timeout", 10, 0, 0)
	if err != nil {
		return err
	}
	if timeout > 0 {
		c.timeout = time.Duration(timeout) * time.Second
	}
	if c.recursionLimit, err = p.int("recursion_limit", 1000, 1, 0); err != nil {
		return err
	}
	if c.expansionLimit, err = p.int("expansion_limit", 0, 0, 0); err != nil {
		return err
	}
	if c.sizeLimit, err = p.int("size_limit", c.expansionLimit, 0, 0); err != nil {
		return err
	}
	if c.deref, err = p.int("dereference", 0, 0, 0); err != nil {
		return err
	}
	if c.deref < 0 || c.deref > 3 {
		opts.warnf("dict_ldap_open: %s Unrecognized value %d specified for dereference; using 0", c.name, c.deref)
		c.deref = 0
	}
	return nil
}

// loadTLS reads the tls_* parameters.
func (c *ldapConfig) loadTLS(p *ldapParams, opts Options) error {
	var err error
	t := &c.tls
	if t.requireCert, err = p.bool("tls_require_cert", false); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"tls_ca_cert_file", &t.caFile}, {"tls_ca_cert_dir", &t.caDir},
		{"tls_cert", &t.certFile}, {"tls_key", &t.keyFile},
		{"tls_cipher_suite", &t.cipherSuite}, {"tls_random_file", &t.randomFile},
	} {
		if *s.dst, err = p.str(s.name, "", 0, 0); err != nil {
			return err
		}
	}
	if t.cipherSuite != "" && (c.startTLS || c.ldaps) {
		// XXX: an OpenSSL cipher list has no Go equivalent; Go's own
		// choice of cipher suites is used.
		opts.warnf("dict_ldap_open: %s: ignoring tls_cipher_suite = %s (Go's TLS cipher suites are used)", c.name, t.cipherSuite)
	}
	return nil
}

// loadUnsupported handles parameters that Postfix ignores or that Postern
// cannot honour.
func (c *ldapConfig) loadUnsupported(p *ldapParams, opts Options) error {
	cache, err := p.bool("cache", false)
	if err != nil {
		return err
	}
	if cache {
		opts.warnf("dict_ldap_open: %s ignoring cache", c.name)
	}
	for _, n := range []string{"cache_expiry", "cache_size"} {
		v, err := p.int(n, -1, 0, 0)
		if err != nil {
			return err
		}
		if v >= 0 {
			opts.warnf("dict_ldap_open: %s ignoring %s", c.name, n)
		}
	}
	chase, err := p.bool("chase_referrals", false)
	if err != nil {
		return err
	}
	if chase {
		return fmt.Errorf("%s: unsupported parameter value: chase_referrals = yes (Postern does not follow LDAP referrals)", p.name)
	}
	// debuglevel only sets OpenLDAP library debugging; it is checked and
	// otherwise ignored.
	_, err = p.int("debuglevel", 0, 0, 0)
	return err
}
