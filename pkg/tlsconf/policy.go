package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// Policy is the TLS policy for one destination (smtp_tls_policy.c).
type Policy struct {
	Level      Level
	Protocols  string
	Grade      string
	Exclude    []string
	Match      []string // verify/secure: names the certificate must match
	ServerName string   // SNI setting: "", "hostname", "nexthop" or a name
	// Status and Reason say why Level is LevelInvalid ("4.7.5",
	// "client TLS configuration problem").
	Status, Reason string
}

// PolicyFor computes the policy for a next-hop destination as written
// in the nexthop ("example.com", "[mx.example.com]:587") from
// *_tls_policy_maps and the main.cf settings (policy_create()).
func (c *Client) PolicyFor(dest string, warn func(string, ...any)) Policy {
	p := Policy{Level: LevelNotFound}
	if c.Policy != nil {
		c.lookupPolicy(&p, dest, warn)
	}
	switch p.Level {
	case LevelInvalid:
		return p
	case LevelNotFound:
		p.Level = c.Level
	}
	c.defaults(&p)
	return p
}

// defaults fills what the policy entry did not set from main.cf.
func (c *Client) defaults(p *Policy) {
	if p.Level <= LevelNone {
		return
	}
	if p.Protocols == "" {
		p.Protocols = c.mandProtocols
		if p.Level == LevelMay {
			p.Protocols = c.protocols
		}
	}
	if p.ServerName == "" {
		p.ServerName = c.ServerName
	}
	mandExcl, also := "", ""
	if p.Grade == "" {
		p.Grade = c.mandCiphers
		if p.Level == LevelMay {
			p.Grade = c.ciphers
		}
	}
	if p.Level >= LevelEncrypt {
		mandExcl, also = c.mandExclude, "eNULL"
	}
	if p.Level.MustMatch() {
		also = "aNULL"
	}
	if p.Exclude == nil {
		p.Exclude = []string{c.exclude, mandExcl}
	}
	p.Exclude = append(p.Exclude, also)
	if p.Match == nil {
		switch p.Level {
		case LevelVerify:
			p.Match = c.VerifyMatch
		case LevelSecure:
			p.Match = c.SecureMatch
		}
	}
}

// lookupPolicy is tls_policy_lookup(): a host name is looked up, then
// its parent domains as ".parent"; other forms ("[host]:port") once.
func (c *Client) lookupPolicy(p *Policy, dest string, warn func(string, ...any)) {
	name := dest
	for {
		c.lookupOne(p, name, dest, warn)
		if p.Level != LevelNotFound || !validHostname(dest) {
			return
		}
		i := strings.IndexByte(name[1:], '.')
		if i < 0 {
			return
		}
		name = name[i+1:]
	}
}

func validHostname(s string) bool {
	if s == "" || strings.ContainsAny(s, "[]:/ ") {
		return false
	}
	return true
}

// lookupOne is tls_policy_lookup_one().
func (c *Client) lookupOne(p *Policy, key, dest string, warn func(string, ...any)) {
	where := fmt.Sprintf("%s, next-hop destination \"%s\"", c.Policy.Title, key)
	v, ok, err := c.Policy.Find(key, false)
	if err != nil {
		warn("%s: policy table lookup error", where)
		p.invalid()
		return
	}
	if !ok {
		return
	}
	words := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(words) == 0 {
		warn("%s: invalid empty policy", where)
		p.invalid()
		return
	}
	p.Level = LookupLevel(words[0])
	if p.Level == LevelInvalid {
		warn("%s: invalid security level \"%s\"", where, words[0])
		p.invalid()
		return
	}
	if err := c.checkLevel(p.Level, where); err != nil {
		warn("%v", err)
		p.invalid()
		return
	}
	p.attributes(words[1:], where, warn)
}

func (p *Policy) invalid() {
	p.Level, p.Status, p.Reason = LevelInvalid, "4.7.5", "client TLS configuration problem"
}

// attributes parses the name=value words of a policy entry.
func (p *Policy) attributes(words []string, where string, warn func(string, ...any)) {
	if p.Level < LevelMay {
		for _, w := range words {
			warn("%s: ignoring attribute \"%s\" with TLS disabled", where, w)
		}
		return
	}
	for _, w := range words {
		name, val, ok := strings.Cut(w, "=")
		if !ok {
			warn("%s: malformed attribute/value pair \"%s\": missing '=' after attribute name", where, w)
			p.invalid()
			return
		}
		if msg := p.attribute(strings.ToLower(name), val); msg != "" {
			warn("%s: %s", where, msg)
			p.invalid()
			return
		}
	}
}

func (p *Policy) attribute(name, val string) string {
	switch name {
	case "ciphers", "protocols", "exclude", "servername":
		return p.single(name, val)
	case "match":
		if val == "" {
			return fmt.Sprintf("attribute \"%s\" has empty value", name)
		}
		if p.Level != LevelVerify && p.Level != LevelSecure {
			return fmt.Sprintf("attribute \"%s\" invalid at security level \"%s\"", name, p.Level)
		}
		p.Match = append(p.Match, strings.Split(val, ":")...)
	case "connection_reuse":
		if !strings.EqualFold(val, "yes") && !strings.EqualFold(val, "no") {
			return fmt.Sprintf("attribute \"%s\" has bad value: \"%s\"", name, val)
		}
	case "tafile":
		return "attribute \"tafile\" is not implemented in Postern"
	default:
		return fmt.Sprintf("invalid attribute name: \"%s\"", name)
	}
	return ""
}

// single sets an attribute that may appear once.
func (p *Policy) single(name, val string) string {
	var dst *string
	switch name {
	case "ciphers":
		dst = &p.Grade
	case "protocols":
		dst = &p.Protocols
	case "servername":
		dst = &p.ServerName
	case "exclude":
		if p.Exclude != nil {
			return fmt.Sprintf("attribute \"%s\" is specified multiple times", name)
		}
		p.Exclude = []string{val}
		return ""
	}
	if *dst != "" {
		return fmt.Sprintf("attribute \"%s\" is specified multiple times", name)
	}
	if val == "" && name == "ciphers" {
		return fmt.Sprintf("attribute \"%s\" has empty value", name)
	}
	*dst = val
	return ""
}

// HandshakeConfig is the crypto/tls client configuration for a policy.
// Certificate checks are done after the handshake by Verify, as Postfix
// completes the handshake and decides afterwards.
func (c *Client) HandshakeConfig(p Policy, host, nexthop string) (*tls.Config, error) {
	minV, maxV, err := Protocols(p.Protocols)
	if err != nil {
		return nil, err
	}
	suites, err := GradeCiphers(p.Grade, c.param, p.Exclude...)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{InsecureSkipVerify: true, Certificates: c.Certs, MinVersion: minV,
		MaxVersion: maxV, CipherSuites: suites}
	switch strings.ToLower(p.ServerName) {
	case "":
	case "hostname":
		conf.ServerName = host
	case "nexthop":
		conf.ServerName = nexthop
	default:
		conf.ServerName = p.ServerName
	}
	return conf, nil
}
