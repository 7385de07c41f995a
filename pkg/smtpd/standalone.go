package smtpd

import "github.com/postern/postern/pkg/tlsconf"

// Stand-alone mode (Deps.StandAlone) is Postfix's smtpd run by
// "sendmail -bs" (SMTPD_STAND_ALONE in smtpd.c): a session on standard
// input and output of a local user, with mail going to postdrop rather
// than to the cleanup service. Postfix's smtpd then skips the client,
// HELO, sender, recipient (and VRFY), DATA, end-of-data and ETRN
// restrictions, the address resolver check of MAIL FROM and RCPT TO
// (smtpd_check_addr), the rewrite context decision and the queue space
// check; it turns off TLS, SASL, the anvil limits, bare newline
// detection and the improper pipelining check; and it answers ETRN with
// a warning and 458. The SIZE check stays.

// standAlone reports whether the session is a sendmail -bs one.
func (s *session) standAlone() bool { return s.srv.deps.StandAlone }

// setupStandAlone turns off what Postfix's stand-alone smtpd turns off
// (smtpd.c main(): var_smtpd_use_tls = 0 ..., smtpd_state_init():
// var_smtpd_sasl_enable = 0); New does not set up anvil, TLS or SASL.
func (s *Server) setupStandAlone() {
	s.tls = &tlsconf.Server{}
	s.p.forbidUnauthPipe = false
	s.p.bareLFMode = bareLFOff
}

// etrnStandAlone is etrn_cmd()'s answer in stand-alone mode.
func (s *session) etrnStandAlone() bool {
	s.srv.log.Warn("do not use ETRN in \"sendmail -bs\" mode")
	s.reply("458 Unable to queue messages")
	return false
}
