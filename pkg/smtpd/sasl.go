package smtpd

import (
	"fmt"
	"os"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/sasl"
	"github.com/postern/postern/pkg/tlsconf"
)

// SASL authentication (smtpd_sasl_glue.c): the per-process setup, the
// per-session mechanism list and what the rest of smtpd reads.
//
// The restrictions read s.saslUsername and s.saslMethod (set by a
// successful AUTH; "" otherwise) and s.authenticated() for
// permit_sasl_authenticated.

// saslServer is the per-process SASL state (smtpd_sasl_initialize()).
type saslServer struct {
	dovecot       *sasl.Dovecot
	opts, tlsOpts sasl.Props // smtpd_sasl_security_options, smtpd_sasl_tls_security_options
	filter        *sasl.Filter
	service       string // smtpd_sasl_service
	broken        bool   // broken_sasl_auth_clients
	respLimit     int    // smtpd_sasl_response_limit
	exceptions    *matchList
}

// saslParams are the SASL parameters smtpd reads.
var saslParams = []string{
	"smtpd_sasl_auth_enable", "smtpd_sasl_type", "smtpd_sasl_path", "smtpd_sasl_service",
	"smtpd_sasl_security_options", "smtpd_sasl_tls_security_options", "smtpd_sasl_mechanism_filter",
	"broken_sasl_auth_clients", "smtpd_sasl_response_limit", "smtpd_sasl_exceptions_networks",
	"smtpd_sasl_authenticated_header", "smtpd_tls_auth_only",
}

// saslSession is the per-session SASL server state (Postfix's
// state->sasl_server and sasl_mechanism_list).
type saslSession struct {
	mechs  []string // offered in this session, after filtering
	active bool     // the mechanism list could be made (smtpd_sasl_is_active)
	user   string   // user name of the server's last OK or FAIL reply, for logs
}

// setupSASL reads the SASL parameters; nil when SASL is off.
func setupSASL(cfg *config.Config, open openTableFunc, deps *Deps, log Logger) (*saslServer, error) {
	r := &paramReader{cfg: cfg}
	if !r.boolean("smtpd_sasl_auth_enable") {
		return nil, r.err
	}
	switch typ := r.str("smtpd_sasl_type"); typ {
	case "dovecot":
	case "cyrus":
		return nil, fmt.Errorf("smtpd_sasl_type = cyrus: Cyrus SASL is not implemented in Postern; use smtpd_sasl_type = dovecot")
	default:
		return nil, fmt.Errorf("unsupported SASL server implementation: %s", typ)
	}
	ss := &saslServer{service: r.str("smtpd_sasl_service"), broken: r.boolean("broken_sasl_auth_clients"),
		respLimit: r.num("smtpd_sasl_response_limit")}
	var err error
	if ss.opts, err = sasl.ParseOptions("xsasl_dovecot_server_create", r.str("smtpd_sasl_security_options")); err != nil {
		return nil, err
	}
	if ss.tlsOpts, err = sasl.ParseOptions("xsasl_dovecot_server_create", r.str("smtpd_sasl_tls_security_options")); err != nil {
		return nil, err
	}
	if ss.filter, err = sasl.NewFilter("smtpd_sasl_mechanism_filter", r.str("smtpd_sasl_mechanism_filter"), open); err != nil {
		return nil, err
	}
	if ss.exceptions, err = newMatchList(cfg, "smtpd_sasl_exceptions_networks", r.str("smtpd_sasl_exceptions_networks"), open); err != nil {
		return nil, err
	}
	ss.dovecot = sasl.NewDovecot(r.str("smtpd_sasl_path"), deps.SASLDir, os.Getpid())
	ss.dovecot.Warn = log.Warn
	ss.dovecot.Dial = deps.SASLDial
	return ss, r.err
}

// activateSASL makes this session's mechanism list
// (smtpd_sasl_activate()), with the TLS security options once TLS is
// on. An unreachable auth server leaves AUTH unannounced; AUTH then
// answers 454. XXX: Postfix's smtpd exits ("fatal: no SASL
// authentication mechanisms"); Postern keeps serving the session.
func (s *session) activateSASL() {
	ss := s.srv.sasl
	s.sasl = &saslSession{}
	mechs, err := ss.dovecot.Mechanisms()
	if err != nil {
		s.srv.log.Warn("no SASL authentication mechanisms")
		return
	}
	opts := ss.opts
	if s.tls != nil {
		opts = ss.tlsOpts
	}
	names := sasl.FilterServer(mechs, opts)
	if names, err = ss.filter.Apply(names); err != nil {
		s.srv.log.Warn("%v", err)
		return
	}
	if len(names) == 0 {
		s.srv.log.Warn("smtpd_sasl_mechanism_filter discards all mechanisms in '%s'",
			strings.Join(sasl.FilterServer(mechs, opts), " "))
		return
	}
	s.sasl.mechs, s.sasl.active = names, true
}

// saslActive activates SASL for the session when it may be used now
// and was not yet (Postfix does it after the greeting and after
// STARTTLS; doing it at the first EHLO or AUTH looks the same to the
// client), and reports whether mechanisms are offered.
func (s *session) saslActive() bool {
	if !s.saslEnabledNow() {
		return false
	}
	if s.sasl == nil || !s.sasl.active {
		s.activateSASL()
	}
	return s.sasl.active
}

// saslEnabledNow reports whether AUTH may be used at this point: SASL
// on, and TLS active when smtpd_tls_auth_only (or TLS enforcement) asks
// for it.
func (s *session) saslEnabledNow() bool {
	return s.srv.sasl != nil && (s.tls != nil || !s.srv.tls.AuthOnly)
}

// ehloAuth adds "AUTH mechs" (and "AUTH=mechs" for
// broken_sasl_auth_clients) unless the client is in
// smtpd_sasl_exceptions_networks.
func (s *session) ehloAuth(lines []string, discard ehloMask) []string {
	if discard&ehloAuth != 0 || !s.saslActive() {
		return lines
	}
	ss := s.srv.sasl
	if len(ss.exceptions.pats) > 0 {
		if ok, err := ss.exceptions.matchHost(s.client.name, s.client.addr); ok || err != nil {
			if err != nil {
				s.srv.log.Warn("%v", err)
			}
			return lines
		}
	}
	list := strings.Join(s.sasl.mechs, " ")
	lines = append(lines, "AUTH "+list)
	if ss.broken {
		lines = append(lines, "AUTH="+list)
	}
	return lines
}

// saslLogSuffix is the ", sasl_method=M, sasl_username=U, sasl_sender=S"
// part of the "QID: client=" line.
func (s *session) saslLogSuffix() string {
	var b strings.Builder
	if s.saslMethod != "" {
		b.WriteString(", sasl_method=" + s.saslMethod)
	}
	if s.saslUsername != "" {
		b.WriteString(", sasl_username=" + s.saslUsername)
	}
	if s.tx.saslSender != "" {
		b.WriteString(", sasl_sender=" + s.tx.saslSender)
	}
	return b.String()
}

// authenticated reports whether AUTH succeeded with a mechanism other
// than ANONYMOUS (permit_sasl_auth()).
func (s *session) authenticated() bool {
	return s.saslMethod != "" && !strings.EqualFold(s.saslMethod, "anonymous")
}

func init() {
	Params = append(Params, saslParams...)
	Params = append(Params, tlsconf.ServerParams...)
}
