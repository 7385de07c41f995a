package smtpd

import "strings"

// The per-stage drivers (smtpd_check_client, _helo, _mail, _rcpt,
// _data, _eod, _etrn). Each returns the rejection reply, "" to go on.

func (s *session) verdict(status int) string {
	if status == checkReject {
		return s.chk.errorText
	}
	return ""
}

func (s *session) checkClient() string {
	s.chk.deferIfPermit.active = false
	s.chk.resetStage()
	st := checkDunno
	if l := s.srv.checks.client; len(l) > 0 {
		st = s.generic(l, checkCtx{s.namaddr(), nameClient, "check_client_access"})
	}
	s.chk.permitClient = s.chk.deferIfPermit.active
	return s.verdict(st)
}

// checkHelo evaluates smtpd_helo_restrictions with helo as the HELO name.
func (s *session) checkHelo(helo string) string {
	saved, had := s.helo, s.haveHelo
	s.helo, s.haveHelo = helo, true
	defer func() { s.helo, s.haveHelo = saved, had }()
	s.chk.deferIfPermit.active = s.chk.permitClient
	s.chk.resetStage()
	st := checkDunno
	if l := s.srv.checks.helo; len(l) > 0 {
		st = s.generic(l, checkCtx{helo, nameHelo, "check_helo_access"})
	}
	s.chk.permitHelo = s.chk.deferIfPermit.active
	return s.verdict(st)
}

// checkMail evaluates smtpd_sender_restrictions for sender.
func (s *session) checkMail(sender string) string {
	saved, had := s.tx.sender, s.tx.inMail
	s.tx.sender, s.tx.inMail = sender, true
	defer func() { s.tx.sender, s.tx.inMail = saved, had }()
	s.chk.deferIfPermit.active = s.chk.permitClient || s.chk.permitHelo
	s.chk.senderMapChecked = false
	s.chk.resetStage()
	st := checkDunno
	if l := s.srv.checks.sender; len(l) > 0 {
		st = s.generic(l, checkCtx{sender, nameSender, "check_sender_access"})
	}
	s.chk.permitSender = s.chk.deferIfPermit.active
	// smtpd_reject_unlisted_sender: an implicit reject_unlisted_sender.
	if s.rp().rejectUnlistedSender && st != checkReject && !s.chk.discard && sender != "" {
		st = s.senderRcptMaps(sender)
	}
	return s.verdict(st)
}

// checkRcpt evaluates, for recipient, the delayed client, helo and
// sender lists and then the relay and recipient lists.
func (s *session) checkRcpt(rcpt string) string {
	if strings.EqualFold(rcpt, "postmaster") { // RFC 5321 4.5.1
		return ""
	}
	saved, had := s.tx.recipient, s.tx.haveRcpt
	s.tx.recipient, s.tx.haveRcpt = rcpt, true
	defer func() { s.tx.recipient, s.tx.haveRcpt = saved, had }()
	s.chk.rcptMapChecked = false
	if s.p.delayReject {
		if err := s.delayedChecks(); err != "" {
			return err
		}
	}
	s.chk.deferIfPermit.active = s.chk.permitSender
	s.chk.resetStage()
	lists := [2][]string{s.srv.checks.recipient, s.srv.checks.relay}
	if s.p.relayBeforeRcpt {
		lists[0], lists[1] = lists[1], lists[0]
	}
	st := checkDunno
	for _, l := range lists {
		if st = checkDunno; len(l) > 0 {
			st = s.generic(l, checkCtx{rcpt, nameRecipient, "check_recipient_access"})
		}
		if st == checkReject {
			break
		}
	}
	st = s.deferIfPermitted(st)
	// smtpd_reject_unlisted_recipient: an implicit reject_unlisted_recipient.
	if s.rp().rejectUnlistedRcpt && st != checkReject && !s.chk.discard {
		st = s.recipientRcptMaps(rcpt)
	}
	return s.verdict(st)
}

// delayedChecks runs the client, helo and sender lists at RCPT or ETRN
// time (smtpd_delay_reject = yes).
func (s *session) delayedChecks() string {
	if err := s.checkClient(); err != "" {
		return err
	}
	if s.haveHelo {
		if err := s.checkHelo(s.helo); err != "" {
			return err
		}
	}
	if s.tx.inMail {
		return s.checkMail(s.tx.sender)
	}
	return ""
}

// deferIfPermitted turns a permit into the remembered defer_if_permit.
func (s *session) deferIfPermitted(st int) int {
	if d := s.chk.deferIfPermit; st != checkReject && d.active {
		return s.checkReject(d.class, d.code, d.dsn, "%s", d.reason)
	}
	return st
}
