package smtpd

import "strings"

// checkState is the per-session state of restriction evaluation.
type checkState struct {
	recursion     int
	warnIfReject  int // recursion level of an active warn_if_reject, 0 none
	deferIfReject deferral
	deferIfPermit deferral
	// defer_if_permit results of earlier stages, restored per stage.
	permitClient, permitHelo, permitSender bool
	discard                                bool   // DISCARD: no more restrictions, drop the message
	errorText                              string // the last rejection reply
	etrnName                               string // ETRN argument while its list runs
	rcptMapChecked, senderMapChecked       bool   // reject_unlisted_* done for this address
	actions                                delegated
	policy                                 policyState // check_policy_service (restrictions_policy.go)
	policyNesting                          int         // default actions being applied
}

// resetMail forgets the access actions of a mail transaction.
func (c *checkState) resetMail() {
	c.discard = false
	c.actions = delegated{}
}

// rp returns the restriction parameters.
func (s *session) rp() *restrictionParams { return s.srv.checks.rp }

// deferral is a remembered defer_if_permit / defer_if_reject verdict.
type deferral struct {
	active bool
	class  errClass
	code   int
	dsn    string
	reason string
}

func (c *checkState) resetStage() {
	c.recursion, c.warnIfReject = 0, 0
	c.deferIfReject.active = false
}

// checkCtx describes the list being evaluated.
type checkCtx struct {
	replyName, replyClass, defACL string
}

// generic evaluates a restriction list (generic_checks).
func (s *session) generic(list []string, c checkCtx) int {
	saved := s.chk.recursion
	s.chk.recursion++
	status := checkDunno
	for i := 0; i < len(list) && !s.chk.discard; i++ {
		name := list[i]
		if strings.EqualFold(name, "warn_if_reject") {
			if s.chk.warnIfReject == 0 {
				s.chk.warnIfReject = s.chk.recursion
			}
			continue
		}
		var used int
		status, used = s.restriction(name, list[i+1:], c)
		i += used
		if s.chk.warnIfReject >= s.chk.recursion {
			s.chk.warnIfReject = 0
		}
		if status != checkDunno || (s.chk.deferIfPermit.active && s.chk.deferIfReject.active) {
			break
		}
	}
	s.chk.recursion = saved
	if s.chk.warnIfReject >= s.chk.recursion {
		s.chk.warnIfReject = 0
	}
	return status
}

// restriction evaluates one restriction; args are the list entries after
// it, of which it reports how many it used.
func (s *session) restriction(name string, args []string, c checkCtx) (int, int) {
	if strings.Contains(name, ":") {
		if c.defACL == "" {
			s.srv.log.Warn("specify one of (check_client_access, check_reverse_client_hostname_access, "+
				"check_helo_access, check_sender_access, check_recipient_access, check_etrn_access) "+
				"before %s restriction \"%s\"", c.replyClass, name)
			return s.serverError(), 0
		}
		// The bare "type:name" form is the list's own check_*_access.
		st, _ := restrictions[c.defACL](s, append([]string{name}, args...), c)
		return st, 0
	}
	key := strings.ToLower(name)
	if r, ok := restrictions[key]; ok {
		return r(s, args, c)
	}
	if sub, ok := s.srv.checks.classes[name]; ok {
		return s.generic(sub, c), 0
	}
	if knownRestrictions[key] {
		return s.notImplemented(name), 0
	}
	s.srv.log.Warn("unknown smtpd restriction: \"%s\"", name)
	return s.serverError(), 0
}

// notImplemented fails a restriction that Postfix has and Postern does
// not have yet: loudly, once per process, and with Postfix's reply for a
// configuration error.
func (s *session) notImplemented(name string) int {
	s.srv.warnOnce("restriction:"+name, "restriction \"%s\" is not implemented in Postern yet; "+
		"requests that reach it get \"451 4.3.5 Server configuration error\"", name)
	return s.serverError()
}

// serverError is reject_server_error().
func (s *session) serverError() int {
	return s.checkReject(errSoftware, 451, "4.3.5", "Server configuration error")
}

// dictRetry is reject_dict_retry().
func (s *session) dictRetry(name string) int {
	return s.checkReject(errData, 451, "4.3.0", "<%s>: Temporary lookup failure", name)
}
