package smtpd

import (
	"strings"
	"time"
)

// MAIL FROM (RFC 5321 4.1.1.2) with the SIZE (RFC 1870), BODY (RFC
// 6152), SMTPUTF8 (RFC 6531), RET/ENVID (RFC 3461) and AUTH (RFC 4954)
// parameters.

func (s *session) cmdMail(args []token) bool {
	switch {
	case s.p.heloRequired && !s.haveHelo:
		s.reply("503 5.5.1 Error: send HELO/EHLO first")
	case s.tx.inMail:
		s.reply("503 5.5.1 Error: nested MAIL command")
	case s.tx.bdat != bdatNone:
		s.reply("503 5.5.1 Error: MAIL after BDAT")
	case len(args) < 3 || !strings.EqualFold(args[1].text, "from:"):
		s.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
	case !s.anvilMailOK():
	case args[2].bad:
		s.reply("501 5.1.7 Bad sender address syntax")
	default:
		return s.mailFrom(args)
	}
	return false
}

// mailOpts are the MAIL FROM parameters.
type mailOpts struct {
	size       int64
	encoding   string
	ret        int
	envid      string
	haveEnvid  bool
	smtputf8   bool
	saslSender string
	haveSASL   bool
}

func (s *session) mailFrom(args []token) bool {
	// As Postfix's state->msg_size, the size outlives a refused MAIL until
	// mail_reset() (RSET, HELO/EHLO, the end of a transaction): a MAIL
	// without SIZE= after one refused for its SIZE= is refused too.
	o := mailOpts{size: s.tx.msgSize}
	o.smtputf8 = s.smtputf8Param(args[3:])
	sender, ok := s.extractAddr(args[2].text, true, s.p.strictRFC821, o.smtputf8, "MAIL")
	if !ok {
		s.reply("501 5.1.7 Bad sender address syntax")
		return false
	}
	for _, a := range args[3:] {
		err := s.mailParam(&o, a.text)
		s.tx.msgSize = o.size
		if err != "" {
			s.reply(err)
			return false
		}
	}
	if err := s.withSender(sender, func() string { return s.checkSize(o.size) }); err != "" {
		s.reply(err)
		return false
	}
	// The sender restrictions see SIZE= and AUTH= (policy requests).
	s.tx.msgSize, s.tx.saslSender = o.size, o.saslSender
	if err := s.mailPolicy(sender, o.smtputf8); err != "" {
		s.resetMail()
		s.reply(err)
		return false
	}
	s.tx = transaction{inMail: true, sender: sender, msgSize: o.size, encoding: o.encoding,
		dsnRet: o.ret, dsnEnvid: o.envid, haveEnvid: o.haveEnvid, smtputf8: o.smtputf8,
		saslSender: o.saslSender, arrival: time.Now()}
	s.reply("250 2.1.0 Ok")
	return true
}

// mailPolicy runs the checks after the syntax: sender restrictions when
// not delayed, the rewrite context, SMTPUTF8 strictness and queue space;
// in stand-alone mode only SMTPUTF8 strictness.
func (s *session) mailPolicy(sender string, smtputf8 bool) string {
	if s.standAlone() {
		if s.p.strictSmtputf8 && !smtputf8 && sender != "" && !isASCII(sender) {
			return "553 5.6.7 Must declare SMTPUTF8 to send unicode address"
		}
		return ""
	}
	if !s.p.delayReject {
		if err := s.checkMail(sender); err != "" {
			return err
		}
	}
	if err := s.checkRewrite(); err != "" {
		return err
	}
	if s.p.strictSmtputf8 && !smtputf8 && sender != "" && !isASCII(sender) {
		return "553 5.6.7 Must declare SMTPUTF8 to send unicode address"
	}
	return s.checkQueue()
}

// withSender runs fn with sender shown in reject logging, as Postfix
// pushes state->sender around smtpd_check_size() and friends.
func (s *session) withSender(sender string, fn func() string) string {
	saved := s.tx
	s.tx.sender, s.tx.inMail = sender, true
	err := fn()
	s.tx = saved
	return err
}

// smtputf8Param finds SMTPUTF8 among the parameters; it decides the
// address syntax, so it is looked for first.
func (s *session) smtputf8Param(params []token) bool {
	if !s.p.smtputf8 || s.ehloDiscard&ehloSMTPUTF8 != 0 {
		return false
	}
	for _, a := range params {
		if strings.EqualFold(a.text, "SMTPUTF8") {
			return true
		}
	}
	return false
}
