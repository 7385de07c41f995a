package smtpd

import (
	"net/netip"
	"strings"
)

// HELO/EHLO name restrictions: reject_invalid_helo_hostname,
// reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname, their
// old names, and permit_naked_ip_address. An address literal "[...]"
// is only checked for syntax.

func (s *session) rejectInvalidHelo(_ []string, _ checkCtx) (int, int) {
	if !s.haveHelo {
		return checkDunno, 0
	}
	if s.helo[0] == '[' {
		return s.rejectInvalidHostaddr(s.helo, s.helo, nameHelo), 0
	}
	name := truncateDot(s.helo)
	if !validHostname(name) && !validHostAddrPF(name) {
		return s.checkReject(errPolicy, s.rp().badNameCode, "5.5.2", "<%s>: %s rejected: Invalid name",
			s.helo, nameHelo), 0
	}
	return checkDunno, 0
}

func (s *session) rejectNonFQDNHelo(_ []string, _ checkCtx) (int, int) {
	if !s.haveHelo {
		return checkDunno, 0
	}
	if s.helo[0] == '[' {
		return s.rejectInvalidHostaddr(s.helo, s.helo, nameHelo), 0
	}
	name := truncateDot(s.helo)
	if !validUTF8Hostname(s.tx.smtputf8, name) || !strings.Contains(name, ".") {
		return s.checkReject(errPolicy, s.rp().nonFQDNCode, "5.5.2", "<%s>: %s rejected: need fully-qualified hostname",
			s.helo, nameHelo), 0
	}
	return checkDunno, 0
}

func (s *session) rejectUnknownHelo(_ []string, _ checkCtx) (int, int) {
	if !s.haveHelo {
		return checkDunno, 0
	}
	if s.helo[0] == '[' {
		return s.rejectInvalidHostaddr(s.helo, s.helo, nameHelo), 0
	}
	return s.rejectUnknownHostname(s.helo, s.helo, nameHelo), 0
}

// permitNakedIP is the deprecated permit_naked_ip_address.
func (s *session) permitNakedIP(_ []string, _ checkCtx) (int, int) {
	s.srv.log.Warn("restriction %s is deprecated. Use %s or %s instead",
		"permit_naked_ip_address", "permit_mynetworks", "permit_sasl_authenticated")
	if !s.haveHelo || strings.Trim(s.helo, "0123456789.:") != "" {
		return checkDunno, 0
	}
	if st := s.rejectInvalidHostaddr(s.helo, s.helo, nameHelo); st != checkDunno {
		return st, 0
	}
	return s.aclPermit("permit_naked_ip_address", nameHelo, s.helo), 0
}

// rejectInvalidHostaddr is reject_invalid_hostaddr(): an address,
// optionally in brackets, "IPv6:" for IPv6.
func (s *session) rejectInvalidHostaddr(addr, name, class string) int {
	test := addr
	if len(addr) > 2 && addr[0] == '[' && addr[len(addr)-1] == ']' {
		test = addr[1 : len(addr)-1]
	}
	if !validMailhostAddr(test) {
		return s.checkReject(errPolicy, s.rp().badNameCode, "5.5.2", "<%s>: %s rejected: invalid ip address",
			name, class)
	}
	return checkDunno
}

// rejectUnknownHostname is reject_unknown_hostname(): the name needs an
// A, AAAA or MX record; a null MX counts.
func (s *session) rejectUnknownHostname(host, name, class string) int {
	r := s.srv.dnsLookupL(host, dnsStopOK, dnsTypeA, dnsTypeAAAA, dnsTypeMX)
	switch r.status {
	case dnsOK, dnsNullMX:
		return checkDunno
	case dnsRetry:
		return s.tempfail(s.rp().unknownNameDefer, errPolicy, 450, "4.7.1", "<%s>: %s rejected: Host not found",
			name, class)
	}
	text := "Host not found"
	if r.status == dnsInval {
		text = "Malformed DNS server reply"
	}
	return s.checkReject(errPolicy, s.rp().unknownHostCode, "4.7.1", "<%s>: %s rejected: %s", name, class, text)
}

// tempfail is DEFER_IF_PERMIT2(action, ...): with the defer_if_permit
// action (and no warn_if_reject) the deferral waits for a permit,
// otherwise it is a rejection now.
func (s *session) tempfail(ifPermit bool, class errClass, code int, dsn, format string, args ...any) int {
	if s.chk.warnIfReject == 0 && ifPermit {
		return deferIf(&s.chk.deferIfPermit, class, code, dsn, format, args...)
	}
	return s.checkReject(class, code, dsn, format, args...)
}

// validMailhostAddr is valid_mailhost_addr(): "IPv6:" and an IPv6
// address, or an IPv4 address.
func validMailhostAddr(s string) bool {
	if len(s) > 5 && strings.EqualFold(s[:5], "IPv6:") {
		return validIPv6HostAddr(s[5:])
	}
	return validIPv4HostAddr(s)
}

// validHostAddrPF is valid_hostaddr(): IPv6 when there is a colon.
func validHostAddrPF(s string) bool {
	if strings.Contains(s, ":") {
		return validIPv6HostAddr(s)
	}
	return validIPv4HostAddr(s)
}

func validIPv6HostAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

// validIPv4HostAddr is valid_ipv4_hostaddr(): four decimal octets; a
// first octet 0 only in 0.0.0.0.
func validIPv4HostAddr(s string) bool {
	inByte, count, val := false, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if !inByte {
				inByte, val = true, 0
				count++
			}
			if val = val*10 + int(c-'0'); val > 255 {
				return false
			}
		case c == '.':
			if !inByte || i+1 == len(s) {
				return false
			}
			if count == 1 && val == 0 && strings.Trim(s, "0.") != "" {
				return false
			}
			inByte = false
		default:
			return false
		}
	}
	return count == 4
}
