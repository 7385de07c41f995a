package smtpd

import "strings"

// RCPT TO (RFC 5321 4.1.1.3) with NOTIFY and ORCPT (RFC 3461).

func (s *session) cmdRcpt(args []token) bool {
	switch {
	case !s.tx.inMail:
		s.reply("503 5.5.1 Error: need MAIL command")
	case s.tx.bdat != bdatNone:
		s.reply("503 5.5.1 Error: RCPT after BDAT")
	case len(args) < 3 || !strings.EqualFold(args[1].text, "to:"):
		s.reply("501 5.5.4 Syntax: RCPT TO:<address>")
	case !s.anvilRcptOK():
	case args[2].bad:
		s.reply("501 5.1.3 Bad recipient address syntax")
	default:
		return s.rcptTo(args)
	}
	return false
}

type rcptOpts struct {
	notify int
	orcpt  string
}

func (s *session) rcptTo(args []token) bool {
	rcpt, ok := s.extractAddr(args[2].text, false, s.p.strictRFC821, s.tx.smtputf8, "RCPT")
	if !ok {
		s.reply("501 5.1.3 Bad recipient address syntax")
		return false
	}
	var o rcptOpts
	for _, a := range args[3:] {
		if err := s.rcptParam(&o, a.text); err != "" {
			s.reply(err)
			return false
		}
	}
	if s.p.rcptLimit > 0 && s.tx.rcptCount >= s.p.rcptLimit {
		s.reply("452 4.5.3 Error: too many recipients")
		s.tx.overshoot++
		return s.tx.overshoot <= s.p.rcptOverLimit
	}
	if s.p.strictSmtputf8 && !s.tx.smtputf8 && !isASCII(rcpt) {
		s.reply("553 5.6.7 Must declare SMTPUTF8 to send unicode address")
		return false
	}
	if err := s.checkRcptUnlessStandAlone(rcpt); err != "" {
		s.reply(err)
		return false
	}
	if o.orcpt == "" {
		o.orcpt = "rfc822;" + strings.TrimSuffix(strings.TrimPrefix(args[2].text, "<"), ">")
	}
	return s.storeRcpt(rcpt, o)
}

// checkRcptUnlessStandAlone runs the recipient restrictions, except in
// stand-alone mode.
func (s *session) checkRcptUnlessStandAlone(rcpt string) string {
	if s.standAlone() {
		return ""
	}
	return s.checkRcpt(rcpt)
}

// rcptParam parses one RCPT TO parameter.
func (s *session) rcptParam(o *rcptOpts, arg string) string {
	key, val, hasVal := strings.Cut(arg, "=")
	if !hasVal || !(strings.EqualFold(key, "NOTIFY") || strings.EqualFold(key, "ORCPT")) {
		return "555 5.5.4 Unsupported option: " + arg
	}
	if s.ehloDiscard&ehloDSN != 0 {
		return "501 5.7.1 DSN support is disabled"
	}
	if strings.EqualFold(key, "NOTIFY") {
		if o.notify != 0 {
			return "501 5.5.4 Error: Bad NOTIFY parameter syntax"
		}
		if o.notify = s.notifyMask(val); o.notify == 0 {
			return "501 5.5.4 Error: Bad NOTIFY parameter syntax"
		}
		return ""
	}
	orcpt, ok := orcptParam(val)
	if o.orcpt != "" || !ok {
		return "501 5.5.4 Error: Bad ORCPT parameter syntax"
	}
	o.orcpt = orcpt
	return ""
}

// storeRcpt opens the queue file at the first valid recipient
// (smtpd_delay_open_until_valid_rcpt) and records the recipient.
func (s *session) storeRcpt(rcpt string, o rcptOpts) bool {
	if s.tx.msg == nil && !s.openQueueFile() {
		return false
	}
	s.tx.rcptCount++
	if !s.tx.haveRcpt {
		s.tx.recipient, s.tx.haveRcpt = rcpt, true
	}
	if err := s.tx.msg.AddRecipient(rcpt, o.orcpt, o.notify); err != nil {
		s.tx.err |= errWrite
	}
	s.reply("250 2.1.5 Ok")
	return true
}
