package smtpd

import "net/netip"

// Client and relay restrictions: permit_mynetworks,
// permit_inet_interfaces, permit_sasl_authenticated and the relay
// control of smtpd_relay_restrictions.

func (s *session) permitMynetworks(_ []string, c checkCtx) (int, int) {
	ok, err := s.srv.lists.mynetworks.matchHost(s.client.name, s.client.addr)
	if err != nil {
		s.srv.log.Warn("%v", err)
		return s.dictRetry(c.replyName), 0
	}
	if !ok {
		return checkDunno, 0
	}
	return s.aclPermit("permit_mynetworks", nameClient, s.namaddr()), 0
}

func (s *session) permitInetInterfaces(_ []string, c checkCtx) (int, int) {
	if !s.ownAddress() {
		return checkDunno, 0
	}
	return s.aclPermit("permit_inet_interfaces", nameClient, s.namaddr()), 0
}

// permitSASL is permit_sasl_authenticated: the client authenticated
// with AUTH (a mechanism other than ANONYMOUS); a no-op without SASL.
func (s *session) permitSASL(_ []string, _ checkCtx) (int, int) {
	if s.srv.sasl == nil || !s.authenticated() {
		return checkDunno, 0
	}
	return s.aclPermit("permit_sasl_authenticated", nameClient, s.namaddr()), 0
}

// permitAuthDest is permit_auth_destination(): the recipient is in a
// domain this machine receives mail for or relays to.
func (s *session) permitAuthDest(rcpt string) (int, bool) {
	r, err := s.srv.deps.Resolver.Resolve(s.tx.sender, rcpt)
	if err != nil {
		s.srv.log.Warn("%s: address resolution failed: %v", rcpt, err)
		return s.dictRetry(rcpt), false
	}
	if r.Domain == "" && !r.Bad {
		return checkOK, true
	}
	if !s.p.allowUntrustedRouting && r.Routed {
		return checkDunno, true
	}
	if r.Class.Final() || r.Class == ClassRelay {
		return checkOK, true
	}
	return checkDunno, true
}

func (s *session) permitAuthDestR(_ []string, _ checkCtx) (int, int) {
	if !s.tx.haveRcpt {
		return checkDunno, 0
	}
	st, ok := s.permitAuthDest(s.tx.recipient)
	if ok && st == checkOK {
		st = s.aclPermit("permit_auth_destination", nameRecipient, s.tx.recipient)
	}
	return st, 0
}

// unauthDest is reject_unauth_destination() with a reply code.
func (s *session) unauthDest(code int, dsn string) int {
	if !s.tx.haveRcpt {
		return checkDunno
	}
	st, ok := s.permitAuthDest(s.tx.recipient)
	if !ok {
		return st
	}
	if st == checkOK {
		return checkDunno
	}
	return s.checkReject(errPolicy, code, dsn, "<%s>: Relay access denied", s.tx.recipient)
}

func (s *session) rejectUnauthDest(_ []string, _ checkCtx) (int, int) {
	return s.unauthDest(s.p.relayCode, "5.7.1"), 0
}

func (s *session) deferUnauthDest(_ []string, _ checkCtx) (int, int) {
	return s.unauthDest(s.p.relayCode-100, "4.7.1"), 0
}

// checkRelayDomains is the deprecated check_relay_domains.
func (s *session) checkRelayDomains(args []string, c checkCtx) (int, int) {
	s.srv.warnOnce("check_relay_domains", "support for restriction \"check_relay_domains\" will be removed from %s; "+
		"use \"reject_unauth_destination\" instead", s.p.mailName)
	st := checkDunno
	if s.tx.haveRcpt {
		st = s.relayDomainsVerdict()
	}
	if st == checkOK {
		st = s.aclPermit("check_relay_domains", nameRecipient, s.tx.recipient)
	}
	if len(args) > 0 && s.chk.warnIfReject == 0 {
		s.srv.log.Warn("restriction `%s' after `%s' is ignored", args[0], "check_relay_domains")
	}
	return st, 0
}

func (s *session) relayDomainsVerdict() int {
	if r, err := s.srv.deps.Resolver.Resolve("", "x@"+s.client.name); err == nil && r.Class == ClassRelay {
		return checkOK
	}
	st, ok := s.permitAuthDest(s.tx.recipient)
	if !ok || st == checkOK {
		return st
	}
	return s.checkReject(errPolicy, s.p.relayCode, "5.7.1", "<%s>: %s rejected: Relay access denied",
		s.tx.recipient, nameRecipient)
}

// ownAddress reports whether the client is this machine
// (own_inet_addr).
func (s *session) ownAddress() bool {
	a, err := netip.ParseAddr(s.client.addr)
	return err == nil && s.client.family != "" && s.srv.lists.ownAddr(a)
}
