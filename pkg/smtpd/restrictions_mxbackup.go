package smtpd

import (
	"net/netip"
	"sort"
	"strings"
)

// permit_mx_backup (smtpd_check.c permit_mx_backup()): permit mail for
// a domain that lists this machine as a backup MX host, and, as
// permit_auth_destination does, for the domains delivered or relayed
// here. With permit_mx_backup_networks set, the primary MX hosts must
// all be in those networks.

func (s *session) permitMXBackup(_ []string, _ checkCtx) (int, int) {
	if !s.tx.haveRcpt {
		return checkDunno, 0
	}
	st := s.mxBackup(s.tx.recipient)
	if st == checkOK {
		st = s.aclPermit("permit_mx_backup", nameRecipient, s.tx.recipient)
	}
	return st, 0
}

func (s *session) mxBackup(rcpt string) int {
	r, err := s.srv.deps.Resolver.Resolve(s.tx.sender, rcpt)
	if err != nil {
		return s.dictRetry(rcpt)
	}
	at := strings.LastIndexByte(r.Recipient, '@')
	switch {
	case at < 0:
		return checkOK
	case !s.p.allowUntrustedRouting && r.Routed:
		return checkDunno
	case r.Class.Final() || r.Class == ClassRelay:
		return checkOK
	}
	domain := r.Recipient[at+1:]
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return checkDunno
	}
	mx := s.srv.dnsLookup(domain, dnsTypeMX)
	if mx.status != dnsOK {
		if mx.status == dnsRetry {
			deferIf(&s.chk.deferIfReject, errPolicy, 450, "4.4.4",
				"<%s>: %s rejected: Unable to look up mail exchanger information: %s",
				rcpt, nameRecipient, hErrnoText(mx.herr))
		}
		return checkDunno
	}
	primary, backup := splitMX(mx.rrs)
	if s.iAmMX(primary, rcpt) || len(backup) == 0 || !s.iAmMX(backup, rcpt) {
		return checkDunno
	}
	if len(s.srv.checks.permMXNetworks.pats) > 0 && !s.primaryMXAuthorized(primary, rcpt) {
		return checkDunno
	}
	return checkOK
}

// splitMX sorts the MX hosts by preference and splits off the most
// preferred ones.
func splitMX(rrs []dnsRecord) (primary, backup []string) {
	sort.SliceStable(rrs, func(i, j int) bool { return rrs[i].pref < rrs[j].pref })
	for _, rr := range rrs {
		if rr.pref == rrs[0].pref {
			primary = append(primary, rr.host)
		} else {
			backup = append(backup, rr.host)
		}
	}
	return primary, backup
}

// iAmMX is i_am_mx(): a host name that is local, else a host address
// that is this machine's (inet_interfaces, proxy_interfaces).
func (s *session) iAmMX(hosts []string, rcpt string) bool {
	if l, ok := s.srv.deps.Resolver.(localDomains); ok {
		for _, h := range hosts {
			if local, err := l.IsLocal(h); err == nil && local {
				return true
			}
		}
	}
	for _, h := range hosts {
		addrs, why := s.hostAddrs(h)
		if addrs == nil {
			deferIf(&s.chk.deferIfReject, errPolicy, 450, "4.4.4",
				"<%s>: %s rejected: Unable to look up mail exchanger host %s: %s", rcpt, nameRecipient, h, why)
			continue
		}
		for _, a := range addrs {
			if ip, err := netip.ParseAddr(a); err == nil && s.srv.lists.ownAddr(ip) {
				return true
			}
		}
	}
	return false
}

// primaryMXAuthorized is permit_mx_primary(): every address of every
// primary MX host is in permit_mx_backup_networks.
func (s *session) primaryMXAuthorized(hosts []string, rcpt string) bool {
	for _, h := range hosts {
		r := s.srv.dnsLookupL(h, 0, s.srv.checks.addrTypes...)
		if r.status != dnsOK {
			deferIf(&s.chk.deferIfReject, errPolicy, 450, "4.4.4",
				"<%s>: %s rejected: Unable to look up host %s as mail exchanger: %s",
				rcpt, nameRecipient, h, hErrnoText(r.herr))
			return false
		}
		for _, rr := range r.rrs {
			ok, err := s.srv.checks.permMXNetworks.matchHost(h, rr.addr.String())
			if err != nil {
				s.srv.log.Warn("%v", err)
				s.srv.log.Warn("all_auth_mx_addr: %s lookup error for address %s for %s",
					"permit_mx_backup_networks", rr.addr, h)
				deferIf(&s.chk.deferIfReject, errPolicy, 450, "4.4.4",
					"<%s>: %s rejected: Unable to verify host %s as mail exchanger", rcpt, nameRecipient, h)
				return false
			}
			if !ok {
				return false
			}
		}
	}
	return true
}
