package smtpd

import "github.com/postern/postern/pkg/sasl"

// AUTH (RFC 4954; smtpd_sasl_proto.c smtpd_sasl_auth_cmd() and
// smtpd_sasl_glue.c smtpd_sasl_authenticate()).

func (s *session) cmdAuth(args []token) bool {
	if !s.anvilAuthOK() {
		return false
	}
	switch {
	case s.p.heloRequired && !s.haveHelo:
		s.reply("503 5.5.1 Error: send HELO/EHLO first")
	case !s.saslEnabledNow() || s.ehloDiscard&ehloAuth != 0:
		s.reply("503 5.5.1 Error: authentication not enabled")
	case s.tx.inMail:
		s.reply("503 5.5.1 Error: MAIL transaction in progress")
	case s.saslUsername != "":
		s.reply("503 5.5.1 Error: already authenticated")
	case len(args) < 2 || len(args) > 3:
		s.reply("501 5.5.4 Syntax: AUTH mechanism")
	default:
		return s.authenticate(args)
	}
	return false
}

// authenticate runs the exchange with the auth server.
func (s *session) authenticate(args []token) bool {
	mech := args[1].text
	if !s.saslActive() {
		// The auth server could not be reached for a mechanism list.
		return s.authFailed(mech, sasl.Result{Status: sasl.Temp})
	}
	req := sasl.Request{Mech: mech, Offered: s.sasl.mechs, Service: s.srv.sasl.service,
		LocalIP: s.client.serverAddr, RemoteIP: s.client.addr, Secured: s.tls != nil}
	if len(args) == 3 {
		req.Initial, req.HasInitial = args[2].text, true
	}
	x, r := s.srv.sasl.dovecot.Start(req)
	if r.Replied {
		s.sasl.user = r.User
	}
	for r.Status == sasl.More {
		s.reply("334 " + r.Text)
		resp, ok := s.authResponse()
		if !ok {
			x.Abort()
			return false
		}
		if resp == "*" {
			x.Abort()
			s.srv.log.Warn("%s: SASL %s authentication aborted", s.namaddr(), mech)
			s.reply("501 5.7.0 Authentication aborted")
			return false
		}
		x, r = x.Next(resp)
	}
	if r.Replied {
		s.sasl.user = r.User
	}
	if r.Status != sasl.Done {
		return s.authFailed(mech, r)
	}
	s.reply("235 2.7.0 Authentication successful")
	s.saslUsername, s.saslMethod = r.User, printable(mech, '?')
	return true
}

// authResponse reads one client response within
// smtpd_sasl_response_limit (smtpd_chat_query_limit()).
func (s *session) authResponse() (string, bool) {
	res := s.rd.readLine(s.srv.sasl.respLimit, false, true, false)
	if res.last < 0 {
		s.ioErr = s.rd.err
		return "", false
	}
	if res.last != '\n' {
		s.reply("500 5.5.6 SASL response limit exceeded")
		return "", false
	}
	return string(s.rd.line), true
}

// authFailed logs and answers a failed exchange: 454 for a temporary
// failure (RFC 4954 6), 535 otherwise.
func (s *session) authFailed(mech string, r sasl.Result) bool {
	reason := r.Text
	if reason == "" {
		reason = "(reason unavailable)"
	}
	user := s.sasl.user
	if user == "" {
		user = "(unavailable)"
	}
	s.srv.log.Warn("%s: SASL %.100s authentication failed: %s, sasl_username=%.100s",
		s.namaddr(), mech, reason, user)
	if r.Status == sasl.Temp {
		s.reply("454 4.7.0 Temporary authentication failure: " + reason)
	} else {
		s.reply("535 5.7.8 Error: authentication failed: " + reason)
	}
	return false
}
