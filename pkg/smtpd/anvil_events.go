package smtpd

import "github.com/postern/postern/pkg/anvil"

// The rate limits per command, each with Postfix's warning and reply.
// Each returns false when the limit is exceeded and the reply has been
// sent; the command then fails (and counts as an error).

// anvilMailOK is the MAIL check (mail_cmd), after the "FROM:" syntax
// check and before the sender address is looked at.
func (s *session) anvilMailOK() bool {
	rate := s.anvilRate(s.anvilLimit().mail, func(r anvil.Requester) (int, error) {
		return r.Message(s.service, s.client.addr)
	})
	if rate == 0 {
		return true
	}
	s.replyf("450 4.7.1 Error: too much mail from %s", s.client.addr)
	s.srv.log.Warn("Message delivery request rate limit exceeded: %d from %s for service %s",
		rate, s.namaddr(), s.service)
	return false
}

// anvilRcptOK is the RCPT check (rcpt_cmd, after the "TO:" syntax
// check) and the VRFY check (vrfy_cmd, after the argument count check).
func (s *session) anvilRcptOK() bool {
	rate := s.anvilRate(s.anvilLimit().rcpt, func(r anvil.Requester) (int, error) {
		return r.Recipient(s.service, s.client.addr)
	})
	if rate == 0 {
		return true
	}
	s.srv.log.Warn("Recipient address rate limit exceeded: %d from %s for service %s",
		rate, s.namaddr(), s.service)
	s.replyf("450 4.7.1 Error: too many recipients from %s", s.client.addr)
	return false
}

// anvilAuthOK is the AUTH check: the first thing AUTH does, before the
// HELO and "authentication not enabled" checks
// (smtpd_sasl_auth_cmd_wrapper).
func (s *session) anvilAuthOK() bool {
	rate := s.anvilRate(s.anvilLimit().auth, func(r anvil.Requester) (int, error) {
		return r.Auth(s.service, s.client.addr)
	})
	if rate == 0 {
		return true
	}
	s.srv.log.Warn("AUTH command rate limit exceeded: %d from %s for service %s",
		rate, s.namaddr(), s.service)
	s.replyf("450 4.7.1 Error: too many AUTH commands from %s", s.client.addr)
	return false
}

// anvilStarttlsOK is the STARTTLS check before the handshake
// (starttls_cmd, after "454 4.7.0 TLS not available due to local
// problem"): the new TLS session rate is read, not counted.
func (s *session) anvilStarttlsOK() bool {
	rate := s.anvilRate(s.anvilLimit().newTLS, func(r anvil.Requester) (int, error) {
		return r.NewTLSStatus(s.service, s.client.addr)
	})
	if rate == 0 {
		return true
	}
	s.srv.log.Warn("Refusing STARTTLS request from %s for service %s", s.namaddr(), s.service)
	s.replyf("454 4.7.0 Error: too many new TLS sessions from %s", s.namaddr())
	return false
}

// anvilWrapperTLSOK is the check before the handshake of a wrapper-mode
// (smtps) connection: refused without a reply, the session ends.
func (s *session) anvilWrapperTLSOK() bool {
	rate := s.anvilRate(s.anvilLimit().newTLS, func(r anvil.Requester) (int, error) {
		return r.NewTLSStatus(s.service, s.client.addr)
	})
	if rate == 0 {
		return true
	}
	s.srv.log.Warn("Refusing TLS service request from %s for service %s", s.namaddr(), s.service)
	return false
}

// anvilNewTLS counts a TLS handshake that did not resume a cached
// session (smtpd_start_tls), whether it succeeded (established) or
// not. Over the limit it logs, replies 421 over the new TLS session if
// there is one, and returns false: the session ends. The limit is
// enforced here only after the CPU was spent; anvilStarttlsOK refuses
// the next STARTTLS before the handshake.
func (s *session) anvilNewTLS(resumed, established bool) bool {
	if resumed {
		return true
	}
	rate := s.anvilRate(s.anvilLimit().newTLS, func(r anvil.Requester) (int, error) {
		return r.NewTLS(s.service, s.client.addr)
	})
	if rate == 0 {
		return true
	}
	s.srv.log.Warn("New TLS session rate limit exceeded: %d from %s for service %s",
		rate, s.namaddr(), s.service)
	if established {
		s.replyf("421 4.7.0 %s Error: too many new TLS sessions from %s", s.p.myhostname, s.namaddr())
	}
	return false
}

// noLimits is anvilLimit's answer when smtpd has no anvil.
var noLimits anvilLimits

func (s *session) anvilLimit() *anvilLimits {
	if s.srv.anvil == nil {
		return &noLimits
	}
	return s.srv.anvil
}
