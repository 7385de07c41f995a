package smtpclient

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/sasl"
)

// SASL authentication of the client (smtp_sasl_glue.c,
// smtp_sasl_proto.c): when the server offers AUTH and
// smtp_sasl_password_maps has credentials for it, the client logs in
// with PLAIN or LOGIN (pkg/sasl) before MAIL FROM. Credentials are
// looked up by sender (smtp_sender_dependent_authentication, SMTP
// only), then by the server's host name, then by the destination as
// written in the nexthop ("[mail.isp.example]:submission").

// saslParams are the SASL parameters, without prefix.
var saslParams = []string{"sasl_auth_enable", "sasl_password_maps", "sasl_security_options",
	"sasl_tls_security_options", "sasl_tls_verified_security_options", "sasl_mechanism_filter",
	"sasl_type", "sender_dependent_authentication", "sasl_auth_soft_bounce", "sasl_auth_cache_name"}

// SASLConfig are the client SASL settings; nil when SASL is off.
type SASLConfig struct {
	Passwords       *dict.Maps // smtp_sasl_password_maps
	SenderDependent bool       // smtp_sender_dependent_authentication
	Options         sasl.Props // smtp_sasl_security_options
	TLSOptions      sasl.Props // smtp_sasl_tls_security_options
	VerifiedOptions sasl.Props // smtp_sasl_tls_verified_security_options
	Filter          *sasl.Filter
	SoftBounce      bool // smtp_sasl_auth_soft_bounce
}

// saslFeature is what EHLO said about AUTH (SMTP_FEATURE_AUTH and the
// filtered mechanism list).
type saslFeature struct {
	offered bool
	mechs   []string
}

// sasl reads the SASL parameters (smtp_sasl_initialize()).
func (r *reader) sasl(c *Config, pfx string) {
	if !r.boolean(pfx + "sasl_auth_enable") {
		return
	}
	sc := &SASLConfig{SenderDependent: r.boolean(pfx + "sender_dependent_authentication"),
		SoftBounce: r.boolean(pfx + "sasl_auth_soft_bounce")}
	if t := r.str(pfx + "sasl_type"); t != "cyrus" {
		r.fail(fmt.Errorf("unsupported SASL client implementation: %s", t))
	}
	if v := r.str(pfx + "sasl_auth_cache_name"); v != "" {
		r.fail(fmt.Errorf("%ssasl_auth_cache_name = %s: not implemented in Postern's %sclient", pfx, v, pfx))
	}
	spec := r.str(pfx + "sasl_password_maps")
	if spec == "" && r.err == nil {
		r.fail(fmt.Errorf("specify a password table via the `%ssasl_password_maps' configuration parameter", pfx))
	}
	var err error
	opts := dict.Options{Flags: dict.MapsFlags, Param: r.cfg.Get}
	if r.err == nil {
		sc.Passwords, err = dict.OpenMaps(pfx+"sasl_password_maps", spec, opts)
		r.fail(err)
	}
	for _, o := range []struct {
		dst  *sasl.Props
		name string
	}{{&sc.Options, "sasl_security_options"}, {&sc.TLSOptions, "sasl_tls_security_options"},
		{&sc.VerifiedOptions, "sasl_tls_verified_security_options"}} {
		*o.dst, err = sasl.ParseOptions("SASL security options", r.str(pfx+o.name))
		r.fail(err)
	}
	open := func(s string) (dict.Dict, error) { return dict.Open(s, opts) }
	sc.Filter, err = sasl.NewFilter(pfx+"sasl_mechanism_filter", r.str(pfx+"sasl_mechanism_filter"), open)
	r.fail(err)
	c.SASL = sc
}

// authFeature records the AUTH keyword of EHLO (smtp_sasl_helo_auth()):
// the mechanisms the filter keeps; several AUTH lines add up.
func (s *session) authFeature(words []string) {
	cfg := s.a.cfg
	if cfg.SASL == nil {
		return
	}
	mechs, err := cfg.SASL.Filter.Apply(words)
	if err != nil {
		cfg.warn("%v", err)
	}
	s.feat.auth.offered = true
	if len(mechs) == 0 {
		if len(words) > 0 {
			cfg.warn("%s offered no supported AUTH mechanisms: '%s'", s.namaddrport, strings.Join(words, " "))
		} else {
			cfg.warn("%s offered null AUTH mechanism list", s.namaddrport)
		}
		return
	}
	for _, m := range mechs {
		if !containsFold(s.feat.auth.mechs, m) {
			s.feat.auth.mechs = append(s.feat.auth.mechs, m)
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// saslLogin authenticates when the server offers AUTH and a password is
// known for it (smtp_sasl_helo_login()).
func (s *session) saslLogin() *failure {
	sc := s.a.cfg.SASL
	if sc == nil || !s.feat.auth.offered {
		return nil
	}
	user, pass, found, err := s.saslPassword()
	if err != nil {
		s.a.cfg.warn("%s: %s lookup error", s.a.d.Req.QueueID, sc.Passwords.Title)
		return &failure{dsn: localDataError(s)}
	}
	if !found {
		s.feat.auth = saslFeature{} // strangers: no AUTH
		return nil
	}
	if len(s.feat.auth.mechs) == 0 {
		return &failure{dsn: deliver.Simple("4.7.0", fmt.Sprintf("SASL authentication failed: server %s offered no compatible authentication mechanisms for this type of connection security", s.namaddr)), throttle: true}
	}
	m, err := sasl.ChooseClient(s.feat.auth.mechs, s.saslOptions(), user, pass)
	if err != nil {
		s.a.cfg.warn("SASL authentication failure: No worthy mechs found")
		return s.saslCannot(err.Error())
	}
	return s.saslExchange(m)
}

// saslOptions picks the security options for this connection.
func (s *session) saslOptions() sasl.Props {
	sc := s.a.cfg.SASL
	if s.tlsState == nil {
		return sc.Options
	}
	tc := s.a.cfg.TLS.client
	p := tc.PolicyFor(s.a.dest, func(string, ...any) {})
	p.Level = s.a.tlsLevel
	if trust, _ := tc.Verify(s.tlsState, p, s.host, s.a.nexthopDomain); trust == "Verified" {
		return sc.VerifiedOptions
	}
	return sc.TLSOptions
}

// saslPassword looks up "user:password" (smtp_sasl_passwd_lookup()).
func (s *session) saslPassword() (user, pass string, found bool, err error) {
	sc, a := s.a.cfg.SASL, s.a
	var v string
	if sc.SenderDependent && !a.cfg.LMTP && a.d.Req.Sender != "" {
		var r dict.AddrResult
		r, found, err = sc.Passwords.FindAddr(a.d.Req.Sender, a.cfg.AddrParams, dict.FindDefault)
		v = r.Value
	}
	for _, key := range []string{s.host, a.dest} {
		if found || err != nil {
			break
		}
		v, found, err = sc.Passwords.Find(key, false)
	}
	if !found || err != nil {
		return "", "", found, err
	}
	user, pass, _ = strings.Cut(v, ":")
	return user, pass, true, nil
}

// saslCannot is a failure before or while talking to the server.
func (s *session) saslCannot(text string) *failure {
	dsn := deliver.Simple("4.7.0", fmt.Sprintf("SASL authentication failed; cannot authenticate to server %s: %s", s.namaddr, text))
	return &failure{dsn: dsn, throttle: true}
}

// saslExchange sends AUTH and answers challenges until the server
// decides (smtp_sasl_authenticate()).
func (s *session) saslExchange(m *sasl.ClientMech) *failure {
	t, where := s.a.cfg.Timeouts.Helo, "performing the EHLO handshake"
	if s.a.cfg.LMTP {
		where = "performing the LHLO handshake"
	}
	deferred := m.Initial()
	cmd := "AUTH " + m.Name
	// RFC 4954 4 and RFC 5321 4.5.3.1.4: the command line fits in 512 octets.
	if deferred != "" && len(m.Name)+len(deferred)+8 <= 512 {
		cmd, deferred = cmd+" "+deferred, ""
	}
	r, f := s.chat(t, where, "%s", cmd)
	for steps := 0; f == nil && r.Class() == 3; steps++ {
		if steps >= 100 {
			return &failure{dsn: deliver.Simple("4.3.0", "SASL authentication failed; authentication protocol loop with server "+s.namaddr), throttle: true}
		}
		challenge := strings.TrimSpace(r.Text[min(4, len(r.Text)):]) // after "334 "
		resp := deferred
		if deferred != "" && challenge != "" {
			return s.saslCannot("protocol error")
		}
		if deferred == "" {
			var err error
			if resp, err = m.Next(challenge); err != nil {
				return s.saslCannot(err.Error())
			}
		}
		deferred = ""
		r, f = s.chat(t, where, "%s", resp)
	}
	if f != nil {
		return f
	}
	if r.Class() == 2 {
		return nil
	}
	dsn := s.remoteDSN(r, "SASL authentication failed; server %s said: %s", s.namaddr, r.Line())
	if s.a.cfg.SASL.SoftBounce && dsn.Status[0] == '5' {
		dsn.Status = "4" + dsn.Status[1:]
	}
	return &failure{dsn: dsn, throttle: true}
}
