package smtpd

// checkData evaluates smtpd_data_restrictions (at DATA and the first
// BDAT); checkEOD smtpd_end_of_data_restrictions. With more than one
// recipient none is logged, as the verdict applies to all.
func (s *session) checkData() string {
	return s.messageStage(s.srv.checks.data, "DATA", nameData)
}

func (s *session) checkEOD() string {
	return s.messageStage(s.srv.checks.eod, whereAfterEOM, nameEOD)
}

func (s *session) messageStage(list []string, replyName, class string) string {
	if s.tx.rcptCount > 1 {
		saved, had := s.tx.recipient, s.tx.haveRcpt
		s.tx.haveRcpt = false
		defer func() { s.tx.recipient, s.tx.haveRcpt = saved, had }()
	}
	s.chk.deferIfPermit.active = false
	s.chk.resetStage()
	st := checkDunno
	if len(list) > 0 {
		st = s.generic(list, checkCtx{replyName: replyName, replyClass: class})
	}
	return s.verdict(s.deferIfPermitted(st))
}

// checkEtrn evaluates smtpd_etrn_restrictions for domain.
func (s *session) checkEtrn(domain string) string {
	s.chk.etrnName = domain
	defer func() { s.chk.etrnName = "" }()
	if s.p.delayReject {
		if err := s.checkClient(); err != "" {
			return err
		}
		if s.haveHelo {
			if err := s.checkHelo(s.helo); err != "" {
				return err
			}
		}
	}
	s.chk.deferIfPermit.active = s.chk.permitClient || s.chk.permitHelo
	s.chk.resetStage()
	st := checkDunno
	if l := s.srv.checks.etrn; len(l) > 0 {
		st = s.generic(l, checkCtx{domain, nameEtrn, "check_etrn_access"})
	}
	return s.verdict(s.deferIfPermitted(st))
}
