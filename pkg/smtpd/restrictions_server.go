package smtpd

import (
	"strings"
)

// Access by DNS server: check_{client,reverse_client_hostname,helo,
// sender,recipient}_{mx,ns,a}_access look up the MX hosts, the name
// servers, or the addresses of a name in an access table, host names
// first (not for A), then their addresses (smtpd_check.c
// check_server_access()). They may not permit: OK is a configuration
// error (forbid_allowlist()).

// serverRRLimit bounds the addresses checked (var_dns_rr_list_limit).
const serverRRLimit = 100

// serverSubject gives what a check_*_{mx,ns,a}_access restriction
// looks at: the name, the reply name and class; ok false to skip.
type serverSubject func(s *session) (name, replyName, class string, ok bool)

func serverAccess(cmd string, qtype uint16, subject serverSubject) restrictionFunc {
	return func(s *session, args []string, c checkCtx) (int, int) {
		return s.accessCheck(cmd, args, func(table string) int {
			name, replyName, class, ok := subject(s)
			if !ok {
				return checkDunno
			}
			st := s.serverAccess(table, name, qtype, checkCtx{replyName, class, c.defACL})
			return s.forbidAllowlist(cmd, st, name)
		})
	}
}

func clientSubject(s *session) (string, string, string, bool) {
	return s.client.name, s.namaddr(), nameClient, !strings.EqualFold(s.client.name, "unknown")
}

func revClientSubject(s *session) (string, string, string, bool) {
	n := s.client.reverseName
	return n, n, nameRevClient, !strings.EqualFold(n, "unknown")
}

func heloSubject(s *session) (string, string, string, bool) {
	return s.helo, s.helo, nameHelo, s.haveHelo
}

func senderSubject(s *session) (string, string, string, bool) {
	return s.tx.sender, s.tx.sender, nameSender, s.tx.inMail && s.tx.sender != ""
}

func rcptSubject(s *session) (string, string, string, bool) {
	return s.tx.recipient, s.tx.recipient, nameRecipient, s.tx.haveRcpt && s.tx.recipient != ""
}

// serverRestrictions are the 15 check_*_{mx,ns,a}_access restrictions.
func serverRestrictions() map[string]restrictionFunc {
	m := map[string]restrictionFunc{}
	for _, subj := range []struct {
		prefix string
		fn     serverSubject
	}{
		{"check_client_", clientSubject}, {"check_reverse_client_hostname_", revClientSubject},
		{"check_helo_", heloSubject}, {"check_sender_", senderSubject}, {"check_recipient_", rcptSubject},
	} {
		for _, t := range []struct {
			infix string
			qtype uint16
		}{{"mx", dnsTypeMX}, {"ns", dnsTypeNS}, {"a", dnsTypeA}} {
			cmd := subj.prefix + t.infix + "_access"
			m[cmd] = serverAccess(cmd, t.qtype, subj.fn)
		}
	}
	return m
}

// serverAccess is check_server_access().
func (s *session) serverAccess(table, name string, qtype uint16, c checkCtx) int {
	domain := name
	if at := strings.LastIndexByte(name, '@'); at >= 0 {
		domain = name[at+1:]
	}
	if strings.HasPrefix(domain, "[") {
		// An address literal is its own MX host.
		if qtype != dnsTypeA && qtype != dnsTypeMX || !strings.HasSuffix(domain, "]") {
			return checkDunno
		}
		inner := domain[1 : len(domain)-1]
		if !validMailhostAddr(inner) {
			return checkDunno
		}
		if len(inner) > 5 && strings.EqualFold(inner[:5], "IPv6:") {
			inner = inner[5:]
		}
		st, _ := s.addrAccess(table, inner, false, c)
		return st
	}
	hosts, ok := s.serverHosts(domain, name, qtype)
	if !ok {
		return checkDunno
	}
	count := 0
	for _, h := range hosts {
		if st, found, stop := s.serverHostAccess(table, h, qtype, c, &count); found || st != checkDunno || stop {
			return st
		}
	}
	return checkDunno
}

// serverHosts finds the MX or NS hosts of domain; for A the domain is
// its own host, and a domain without MX records is its own MX host.
func (s *session) serverHosts(domain, name string, qtype uint16) ([]string, bool) {
	if qtype == dnsTypeA {
		return []string{domain}, true
	}
	r := s.srv.dnsLookup(domain, qtype)
	if r.status == dnsNullMX {
		return nil, false
	}
	if r.status == dnsNotFound {
		switch qtype {
		case dnsTypeMX:
			return []string{domain}, true
		case dnsTypeNS:
			for {
				dot := strings.IndexByte(domain, '.')
				if dot < 0 || dot+1 >= len(domain) {
					domain = ""
					break
				}
				domain = domain[dot+1:]
				if r = s.srv.dnsLookup(domain, qtype); r.status != dnsNotFound {
					break
				}
			}
		}
	}
	if r.status != dnsOK {
		what := domain
		if what == "" {
			what = name
		}
		s.srv.log.Warn("Unable to look up %s host for %s: %s", dnsTypeName(qtype), what, hErrnoText(r.herr))
		return nil, false
	}
	hosts := make([]string, 0, len(r.rrs))
	for _, rr := range r.rrs {
		hosts = append(hosts, rr.host)
	}
	return hosts, true
}

// serverHostAccess checks one server: its name (not for A), then its
// addresses. stop is set when the address limit is reached.
func (s *session) serverHostAccess(table, host string, qtype uint16, c checkCtx, count *int) (int, bool, bool) {
	if validHostAddrPF(host) {
		st, found := s.addrAccess(table, host, false, c)
		return st, found, false
	}
	if qtype != dnsTypeA {
		if st, found := s.domainAccess(table, host, false, c); st != checkDunno || found {
			return st, found, false
		}
	}
	addrs, why := s.hostAddrs(host)
	if addrs == nil {
		if qtype != dnsTypeA {
			s.srv.log.Warn("Unable to look up %s host %s for %s %s: %s", dnsTypeName(qtype), host,
				c.replyClass, c.replyName, why)
		}
		return checkDunno, false, false
	}
	for _, a := range addrs {
		if *count++; *count > serverRRLimit {
			s.srv.log.Warn("check_server_access: %s server address count limit (%d) exceeded for %s %s -- ignoring the remainder",
				dnsTypeName(qtype), serverRRLimit, c.replyClass, c.replyName)
			return checkDunno, false, true
		}
		if st, found := s.addrAccess(table, a, false, c); st != checkDunno || found {
			return st, found, false
		}
	}
	return checkDunno, false, false
}

// hostAddrs finds the addresses of a host in the families of
// inet_protocols, or why there are none (in getaddrinfo() words).
// XXX: Postfix asks getaddrinfo(), which also reads /etc/hosts;
// Postern asks the DNS only.
func (s *session) hostAddrs(host string) ([]string, string) {
	var out []string
	temp, nodata := false, true
	for _, t := range s.srv.checks.addrTypes {
		r := s.srv.dnsLookup(host, t)
		temp = temp || r.status == dnsRetry
		nodata = nodata && r.herr == noData
		for _, rr := range r.rrs {
			out = append(out, rr.addr.String())
		}
	}
	switch {
	case len(out) > 0:
		return out, ""
	case temp:
		return nil, "Temporary failure in name resolution" // EAI_AGAIN
	case nodata:
		return nil, "No address associated with hostname" // EAI_NODATA
	}
	return nil, "Name or service not known" // EAI_NONAME
}
