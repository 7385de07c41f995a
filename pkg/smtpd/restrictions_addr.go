package smtpd

import (
	"strings"
)

// Sender and recipient address restrictions: reject_non_fqdn_sender,
// reject_non_fqdn_recipient, reject_unknown_sender_domain (and its old
// name reject_unknown_address), reject_unknown_recipient_domain and
// reject_multi_recipient_bounce.

func (s *session) rejectNonFQDNSender(_ []string, _ checkCtx) (int, int) {
	if !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	return s.rejectNonFQDNAddr(s.tx.sender, nameSender), 0
}

func (s *session) rejectNonFQDNRecipient(_ []string, _ checkCtx) (int, int) {
	if !s.tx.haveRcpt {
		return checkDunno, 0
	}
	return s.rejectNonFQDNAddr(s.tx.recipient, nameRecipient), 0
}

// rejectNonFQDNAddr is reject_non_fqdn_address(): the domain must be a
// name with a dot; address literals are not checked.
func (s *session) rejectNonFQDNAddr(addr, class string) int {
	domain := ""
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		domain = addr[at+1:]
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return checkDunno
	}
	d := truncateDot(domain)
	if d == "" || !validUTF8Hostname(s.tx.smtputf8, d) || !strings.Contains(d, ".") {
		return s.checkReject(errPolicy, s.rp().nonFQDNCode, "4.5.2", "<%s>: %s rejected: need fully-qualified address",
			addr, class)
	}
	return checkDunno
}

func (s *session) rejectUnknownSenderDomain(_ []string, _ checkCtx) (int, int) {
	if !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	return s.rejectUnknownAddress(s.tx.sender, nameSender), 0
}

func (s *session) rejectUnknownRecipientDomain(_ []string, _ checkCtx) (int, int) {
	if !s.tx.haveRcpt {
		return checkDunno, 0
	}
	return s.rejectUnknownAddress(s.tx.recipient, nameRecipient), 0
}

// rejectUnknownAddress is reject_unknown_address(): the domain of a
// non-local address needs an MX, A or AAAA record.
func (s *session) rejectUnknownAddress(addr, class string) int {
	other := s.tx.sender
	if class == nameSender {
		other = s.tx.recipient
	}
	r, err := s.srv.deps.Resolver.Resolve(other, addr)
	if err != nil {
		return s.dictRetry(addr)
	}
	at := strings.LastIndexByte(r.Recipient, '@')
	if at < 0 || r.Class.Final() {
		return checkDunno
	}
	domain := r.Recipient[at+1:]
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return checkDunno
	}
	return s.rejectUnknownMailhost(domain, addr, class)
}

// rejectUnknownMailhost is reject_unknown_mailhost(): MX first, then
// the addresses; a null MX (RFC 7505) is its own rejection.
func (s *session) rejectUnknownMailhost(name, replyName, class string) int {
	// XXX: Postfix converts a non-ASCII domain to ASCII (IDNA) first;
	// Postern looks it up as it is, which finds nothing.
	r := s.srv.dnsLookupL(name, dnsStopOK|dnsStopInval|dnsStopNullMX, dnsTypeMX, dnsTypeA, dnsTypeAAAA)
	sender := class == nameSender
	switch r.status {
	case dnsOK:
		return checkDunno
	case dnsNullMX:
		code, dsn := 556, "4.1.10"
		if sender {
			code, dsn = 550, "4.7.27"
		}
		return s.checkReject(errPolicy, code, dsn, "<%s>: %s rejected: Domain %s does not accept mail (nullMX)",
			replyName, class, name)
	}
	dsn := "4.1.2"
	if sender {
		dsn = "4.1.8"
	}
	if r.status == dnsRetry {
		return s.tempfail(s.rp().unknownAddrDefer, errPolicy, 450, dsn, "<%s>: %s rejected: Domain not found",
			replyName, class)
	}
	text := "Domain not found"
	if r.status == dnsInval {
		text = "Malformed DNS server reply"
	}
	return s.checkReject(errPolicy, s.rp().unknownAddrCode, dsn, "<%s>: %s rejected: %s", replyName, class, text)
}

// rejectMultiRcptBounce is reject_multi_recipient_bounce: a null sender
// with more than one recipient.
func (s *session) rejectMultiRcptBounce(_ []string, c checkCtx) (int, int) {
	limit := 0
	if s.where != "RCPT" {
		limit = 1
	}
	if s.tx.inMail && s.tx.sender == "" && s.tx.rcptCount > limit {
		return s.checkReject(errPolicy, s.rp().mulRcptCode, "5.5.3", "<%s>: %s rejected: Multi-recipient bounce",
			c.replyName, c.replyClass), 0
	}
	return checkDunno, 0
}
