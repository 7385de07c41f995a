package smtpd

import (
	"net/netip"
	"strings"
)

func (r *domainResolver) classify(local, domain string, isLocal bool) (Resolution, error) {
	res := Resolution{Domain: domain}
	if !r.validDomain(domain) {
		res.Bad = true
		return res, nil
	}
	res.Routed = strings.ContainsAny(local, "@!%")
	var err error
	var ok bool
	switch {
	case isLocal:
		res.Class = ClassLocal
	case r.matchDomain(r.aliasDoms, domain, &ok, &err):
		res.Class = ClassAlias
	case r.matchDomain(r.virtDoms, domain, &ok, &err):
		res.Class = ClassVirtual
	case r.matchDomain(r.relayDoms, domain, &ok, &err):
		res.Class = ClassRelay
	}
	return res, err
}

func (r *domainResolver) matchDomain(l *matchList, domain string, ok *bool, err *error) bool {
	if *err != nil {
		return false
	}
	*ok, *err = l.matchDomain(domain)
	return *ok
}

func (r *domainResolver) validDomain(domain string) bool {
	if strings.HasPrefix(domain, "[") {
		return validMailhostLiteral(domain)
	}
	return validUTF8Hostname(r.utf8, domain)
}

// isLocal is resolve_local(): the domain is in mydestination or is an
// address literal of this machine.
func (r *domainResolver) isLocal(domain string) (bool, error) {
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		inner := strings.TrimPrefix(domain[1:len(domain)-1], "ipv6:")
		a, err := netip.ParseAddr(inner)
		if err != nil {
			return false, nil
		}
		for _, my := range r.myAddrs {
			if my == a.Unmap() {
				return true, nil
			}
		}
		return false, nil
	}
	if domain == "" {
		return false, nil
	}
	return r.mydest.matchDomain(domain)
}
