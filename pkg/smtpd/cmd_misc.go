package smtpd

import "strings"

// RSET, NOOP, QUIT, VRFY, ETRN, and the commands of features Postern
// does not offer yet (XCLIENT, XFORWARD), which answer as Postfix does
// when the feature is not enabled. STARTTLS is in tls.go, AUTH in
// auth.go.

func (s *session) cmdRset(args []token) bool {
	if len(args) != 1 {
		s.reply("501 5.5.4 Syntax: RSET")
		return false
	}
	s.resetMail()
	s.resetRcpt()
	s.reply("250 2.0.0 Ok")
	return true
}

// cmdNoop accepts arguments (RFC 5321 4.1.1.9).
func (s *session) cmdNoop(_ []token) bool {
	s.reply("250 2.0.0 Ok")
	return true
}

func (s *session) cmdQuit(_ []token) bool {
	s.reply("221 2.0.0 Bye")
	s.flush()
	return true
}

func (s *session) cmdVrfy(args []token) bool {
	if s.p.disableVrfy {
		s.reply("502 5.5.1 VRFY command is disabled")
		return false
	}
	smtputf8 := false
	if s.p.smtputf8 && s.ehloDiscard&ehloSMTPUTF8 == 0 && len(args) > 1 &&
		strings.EqualFold(args[len(args)-1].text, "SMTPUTF8") {
		args, smtputf8 = args[:len(args)-1], true
	}
	if len(args) < 2 {
		if s.p.smtputf8 {
			s.reply("501 5.5.4 Syntax: VRFY address [SMTPUTF8]")
		} else {
			s.reply("501 5.5.4 Syntax: VRFY address")
		}
		return false
	}
	if !s.anvilRcptOK() {
		return false
	}
	arg := joinArgs(args[1:])
	addr, ok := s.extractAddr(arg, false, false, smtputf8, "VRFY")
	if !ok {
		s.reply("501 5.1.3 Bad recipient address syntax")
		return false
	}
	if !smtputf8 && s.p.strictSmtputf8 && !isASCII(addr) {
		s.resetMail()
		s.reply("553 5.6.7 Must declare SMTPUTF8 to send unicode address")
		return false
	}
	saved := s.tx.smtputf8
	s.tx.smtputf8 = s.tx.smtputf8 || smtputf8
	err := s.checkRcptUnlessStandAlone(addr)
	s.tx.smtputf8 = saved
	if err != "" {
		s.reply(err)
		return false
	}
	s.reply("252 2.0.0 " + arg)
	return true
}

func (s *session) cmdXclient(args []token) bool { return s.xcommand(args, "XCLIENT") }

func (s *session) cmdXforward(args []token) bool { return s.xcommand(args, "XFORWARD") }

// xcommand answers XCLIENT and XFORWARD from a client that is not
// authorized for them (no client is, until they are implemented).
func (s *session) xcommand(args []token, name string) bool {
	switch {
	case s.tx.inMail:
		s.reply("503 5.5.1 Error: MAIL transaction in progress")
	case len(args) < 2:
		s.replyf("501 5.5.4 Syntax: %s attribute=value...", name)
	default:
		s.reply("550 5.7.0 Error: insufficient authorization")
	}
	return false
}
