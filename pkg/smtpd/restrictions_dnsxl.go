package smtpd

import (
	"fmt"
	"net/netip"
	"strings"
)

// DNS block and allow lists (smtpd_check.c find_dnsxl_addr(),
// find_dnsxl_domain(), rbl_reject_reply()): reject_rbl_client (old
// name reject_rbl), permit_dnswl_client, reject_rhsbl_client,
// reject_rhsbl_reverse_client, reject_rhsbl_helo, reject_rhsbl_sender,
// reject_rhsbl_recipient, permit_rhswl_client and the deprecated
// reject_maps_rbl. A list argument is "domain" or "domain=pattern",
// where the pattern (ip_match syntax) selects the A records that
// count. Replies come from rbl_reply_maps or default_rbl_reply.

// dnsxlArg takes the domain argument of a DNS list restriction.
func (s *session) dnsxlArg(name string, args []string) (string, bool) {
	if len(args) == 0 {
		s.srv.log.Warn("restriction %s requires domain name argument", name)
		return "", false
	}
	return args[0], true
}

func (s *session) rejectRBLClient(args []string, _ checkCtx) (int, int) {
	d, ok := s.dnsxlArg("reject_rbl_client", args)
	if !ok {
		return checkDunno, 0
	}
	return s.rejectRBLAddr(d, s.client.addr, nameClient), 1
}

func (s *session) rejectRBLOld(args []string, _ checkCtx) (int, int) {
	d, ok := s.dnsxlArg("reject_rbl", args)
	if !ok {
		return checkDunno, 0
	}
	return s.rejectRBLAddr(d, s.client.addr, nameClient), 1
}

func (s *session) permitDNSWLClient(args []string, _ checkCtx) (int, int) {
	d, ok := s.dnsxlArg("permit_dnswl_client", args)
	if !ok {
		return checkDunno, 0
	}
	if s.unauthorizedRcpt() {
		return checkDunno, 1
	}
	r, st := s.findDNSxLAddr(d, s.client.addr)
	return s.dnswlVerdict("permit_dnswl_client", r, st, s.client.addr), 1
}

func (s *session) permitRHSWLClient(args []string, _ checkCtx) (int, int) {
	d, ok := s.dnsxlArg("permit_rhswl_client", args)
	if !ok {
		return checkDunno, 0
	}
	if strings.EqualFold(s.client.name, "unknown") || s.unauthorizedRcpt() {
		return checkDunno, 1
	}
	r, st := s.findDNSxLDomain(d, s.client.name)
	return s.dnswlVerdict("permit_rhswl_client", r, st, s.client.name), 1
}

// dnswlVerdict permits a listed client; a lookup failure turns a later
// rejection into a deferral.
func (s *session) dnswlVerdict(name string, r *rblResult, st int, what string) int {
	switch {
	case st == rblSoft:
		deferIf(&s.chk.deferIfReject, errPolicy, 450, "4.7.1", "<%s>: %s rejected: %s", what, nameClient,
			"Service unavailable")
		return checkDunno
	case st != rblListed || r == nil:
		return checkDunno
	}
	return s.aclPermit(name, nameClient, s.namaddr())
}

// unauthorizedRcpt: an allow list must not permit relaying (the safety
// check of permit_dnswl_addr()).
func (s *session) unauthorizedRcpt() bool {
	if s.where != "RCPT" || !s.tx.haveRcpt {
		return false
	}
	st, _ := s.permitAuthDest(s.tx.recipient)
	return st != checkOK
}

func (s *session) rejectRHSBL(name string, args []string, what func() (string, bool), class string) (int, int) {
	d, ok := s.dnsxlArg(name, args)
	if !ok {
		return checkDunno, 0
	}
	w, ok := what()
	if !ok {
		return checkDunno, 1
	}
	r, st := s.findDNSxLDomain(d, w)
	if st != rblListed {
		return checkDunno, 1
	}
	return s.rblReply(r, d, w, class), 1
}

func (s *session) rejectRHSBLClient(args []string, _ checkCtx) (int, int) {
	return s.rejectRHSBL("reject_rhsbl_client", args, func() (string, bool) {
		return s.client.name, !strings.EqualFold(s.client.name, "unknown")
	}, nameClient)
}

func (s *session) rejectRHSBLReverseClient(args []string, _ checkCtx) (int, int) {
	return s.rejectRHSBL("reject_rhsbl_reverse_client", args, func() (string, bool) {
		return s.client.reverseName, !strings.EqualFold(s.client.reverseName, "unknown")
	}, nameRevClient)
}

func (s *session) rejectRHSBLHelo(args []string, _ checkCtx) (int, int) {
	return s.rejectRHSBL("reject_rhsbl_helo", args, func() (string, bool) { return s.helo, s.haveHelo }, nameHelo)
}

func (s *session) rejectRHSBLSender(args []string, _ checkCtx) (int, int) {
	return s.rejectRHSBL("reject_rhsbl_sender", args, func() (string, bool) {
		return s.tx.sender, s.tx.inMail && s.tx.sender != ""
	}, nameSender)
}

func (s *session) rejectRHSBLRecipient(args []string, _ checkCtx) (int, int) {
	return s.rejectRHSBL("reject_rhsbl_recipient", args, func() (string, bool) {
		return s.tx.recipient, s.tx.haveRcpt
	}, nameRecipient)
}

// rejectMapsRBL is the deprecated reject_maps_rbl: $maps_rbl_domains.
func (s *session) rejectMapsRBL(_ []string, _ checkCtx) (int, int) {
	s.srv.warnOnce("reject_maps_rbl", "support for restriction \"%s\" will be removed from %s; use \"%s domain-name\" instead",
		"reject_maps_rbl", s.p.mailName, "reject_rbl_client")
	for _, d := range s.rp().mapsRBLDomains {
		if st := s.rejectRBLAddr(d, s.client.addr, nameClient); st != checkDunno {
			return st, 0
		}
	}
	return checkDunno, 0
}

// rejectRBLAddr is reject_rbl_addr().
func (s *session) rejectRBLAddr(domain, addr, class string) int {
	r, st := s.findDNSxLAddr(domain, addr)
	if st != rblListed {
		return checkDunno
	}
	return s.rblReply(r, domain, addr, class)
}

// findDNSxLAddr looks an IP address up: reversed octets (IPv4) or
// nibbles (IPv6) before the list domain.
func (s *session) findDNSxLAddr(domain, addr string) (*rblResult, int) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, rblNotListed
	}
	var q strings.Builder
	if a.Is6() && !a.Is4In6() {
		b := a.As16()
		for i := len(b) - 1; i >= 0; i-- {
			fmt.Fprintf(&q, "%x.%x.", b[i]&0xf, b[i]>>4)
		}
	} else {
		b := a.Unmap().As4()
		fmt.Fprintf(&q, "%d.%d.%d.%d.", b[3], b[2], b[1], b[0])
	}
	return s.dnsxlQuery(q.String() + domain)
}

// findDNSxLDomain looks the domain of what (an address or host name)
// up before the list domain. Address literals, names that end in a
// numeric label and invalid names are not looked up.
func (s *session) findDNSxLDomain(rblDomain, what string) (*rblResult, int) {
	domain := what
	if at := strings.LastIndexByte(what, '@'); at >= 0 {
		domain = what[at+1:]
		if strings.HasPrefix(domain, "[") {
			return nil, rblNotListed
		}
	}
	if domain == "" {
		return nil, rblNotListed
	}
	// XXX: Postfix converts a non-ASCII domain to ASCII (IDNA) first;
	// such a domain fails the syntax check here.
	if allDigits(domain[strings.LastIndexByte(domain, '.')+1:]) || !validHostname(domain) {
		return nil, rblNotListed
	}
	return s.dnsxlQuery(domain + "." + rblDomain)
}

// dnsxlQuery asks for "name[=pattern]" through the process cache.
func (s *session) dnsxlQuery(query string) (*rblResult, int) {
	name, pattern, hasPattern := strings.Cut(query, "=")
	var pat *ipPattern
	if hasPattern {
		p, err := s.srv.checks.rbl.pattern(pattern)
		if err != nil {
			s.srv.log.Warn("RBL reply error: %v", err)
			return nil, rblNotListed
		}
		pat = p
	}
	r := s.srv.checks.rbl.lookup(name, func() *rblResult { return s.srv.rblPageIn(name) })
	switch {
	case r == nil:
		return nil, rblNotListed
	case r.soft:
		return nil, rblSoft
	case pat != nil && !r.matches(pat, s.srv.log.Warn):
		return nil, rblNotListed
	}
	return r, rblListed
}

// rblReply formats the rejection (rbl_reject_reply()).
func (s *session) rblReply(r *rblResult, rblDomain, what, class string) int {
	template := ""
	if m := s.srv.checks.rblReplies; m != nil && m.Len() > 0 {
		v, ok, err := m.Find(rblDomain, false)
		if err != nil {
			s.srv.tableProblem(err)
			return s.serverError()
		}
		if ok {
			template = v
		}
	}
	why, ok := s.expandRBLReply(template, r, rblDomain, what, class)
	if !ok {
		return s.serverError()
	}
	if len(why) < 4 || why[0] != '4' && why[0] != '5' || !isDigit(why[1]) || !isDigit(why[2]) || why[3] != ' ' {
		s.srv.log.Warn("rbl response code configuration error: %s", why)
		return s.checkReject(errPolicy, 450, "4.7.1", "Service unavailable")
	}
	code := int(why[0]-'0')*100 + int(why[1]-'0')*10 + int(why[2]-'0')
	dsn, text := dsnSplit("4.7.1", why[4:])
	return s.checkReject(errPolicy, code, s.dsnFix(dsn, class), "%s", orDefault(text, "Service unavailable"))
}
