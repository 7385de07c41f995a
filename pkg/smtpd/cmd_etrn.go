package smtpd

// ETRN (RFC 1985). Postern has no fast flush service yet: a domain in
// fast_flush_domains gets Postfix's answer for an unreachable flush
// service, any other domain Postfix's refusal.

func (s *session) cmdEtrn(args []token) bool {
	switch {
	case s.p.heloRequired && !s.haveHelo:
		s.reply("503 Error: send HELO/EHLO first")
		return false
	case s.tx.inMail:
		s.reply("503 Error: MAIL transaction in progress")
		return false
	case len(args) != 2:
		s.reply("500 Syntax: ETRN domain")
		return false
	}
	domain := args[1].text
	if domain[0] == '@' || domain[0] == '#' {
		domain = domain[1:]
	}
	if !validHostname(domain) && !validMailhostLiteral(domain) {
		s.reply("501 Error: invalid parameter syntax")
		return false
	}
	if s.standAlone() {
		return s.etrnStandAlone()
	}
	if err := s.checkEtrn(domain); err != "" {
		s.reply(err)
		return false
	}
	return s.flushSite(domain)
}

// flushSite is flush_send_site() and its replies.
func (s *session) flushSite(domain string) bool {
	ok, err := s.srv.lists.flushDomains.matchDomain(domain)
	switch {
	case !ok && err == nil:
		s.srv.log.Warn("reject: ETRN %.100s... from %s", domain, s.namaddr())
		s.replyf("459 <%s>: service unavailable", domain)
	default:
		// XXX: no flush(8) service in Postern yet; a lookup error of
		// fast_flush_domains ends here too, as in Postfix.
		s.srv.log.Warn("unable to talk to fast flush service")
		s.reply("458 Unable to queue messages")
	}
	return false
}
