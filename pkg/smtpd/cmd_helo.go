package smtpd

import (
	"strconv"
	"strings"
)

// HELO and EHLO (RFC 5321 4.1.1.1). Both reset the transaction, as RSET
// does (RFC 5321 4.1.4).

// neuterChars are replaced in the HELO name before it is logged or
// used (NEUTER_CHARACTERS).
const neuterChars = " <>()\\\";@"

// heloArg joins the arguments and checks helo restrictions when they
// are not delayed; it returns the name, or "" after a reply.
func (s *session) heloArg(args []token, syntax string) (string, bool) {
	if len(args) < 2 {
		s.reply(syntax)
		return "", false
	}
	name := joinArgs(args[1:])
	if !s.p.delayReject && !s.standAlone() {
		if err := s.checkHelo(name); err != "" {
			s.reply(err)
			return "", false
		}
	}
	return name, true
}

func joinArgs(args []token) string {
	if len(args) == 1 {
		return args[0].text
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.text
	}
	return strings.Join(parts, " ")
}

// setHelo resets the session to just after HELO/EHLO with a new name.
func (s *session) setHelo(name string) {
	s.resetMail()
	s.resetRcpt()
	s.helo = neuter(printable(name, '?'))
	s.haveHelo = true
}

func neuter(s string) string {
	if !strings.ContainsAny(s, neuterChars) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if strings.IndexByte(neuterChars, c) >= 0 {
			b[i] = '?'
		}
	}
	return string(b)
}

func (s *session) cmdHelo(args []token) bool {
	name, ok := s.heloArg(args, "501 Syntax: HELO hostname")
	if !ok {
		return false
	}
	s.setHelo(name)
	if s.protocol != "ESMTP" && s.protocol != "SMTP" {
		s.protocol = "SMTP"
	}
	s.reply("250 " + s.p.myhostname)
	return true
}

func (s *session) cmdEhlo(args []token) bool {
	name, ok := s.heloArg(args, "501 Syntax: EHLO hostname")
	if !ok {
		return false
	}
	s.setHelo(name)
	s.protocol = "ESMTP"
	discard := s.ehloDiscard
	if discard&ehloEnhancedStatusCodes == 0 && discard != 0 && discard&ehloSilent == 0 {
		s.srv.log.Info("discarding EHLO keywords: %s", discard)
	}
	lines := s.ehloLines(discard)
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		s.reply("250" + sep + l)
	}
	return true
}

// ehloLines is the EHLO reply, in Postfix's order.
func (s *session) ehloLines(discard ehloMask) []string {
	lines := make([]string, 0, 12)
	lines = append(lines, s.p.myhostname)
	add := func(m ehloMask, line string) {
		if discard&m == 0 {
			lines = append(lines, line)
		}
	}
	add(ehloPipelining, "PIPELINING")
	if s.p.messageLimit > 0 {
		add(ehloSize, "SIZE "+strconv.FormatInt(s.p.messageLimit, 10))
	} else {
		add(ehloSize, "SIZE")
	}
	if !s.p.disableVrfy {
		add(ehloVrfy, "VRFY")
	}
	add(ehloEtrn, "ETRN")
	lines = s.ehloAuth(s.ehloTLS(lines, discard), discard)
	add(ehloEnhancedStatusCodes, "ENHANCEDSTATUSCODES")
	add(ehlo8BitMIME, "8BITMIME")
	add(ehloDSN, "DSN")
	if s.p.smtputf8 {
		add(ehloSMTPUTF8, "SMTPUTF8")
	}
	add(ehloChunking, "CHUNKING")
	return lines
}
