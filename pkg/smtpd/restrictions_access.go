package smtpd

import (
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// access(5) tables: check_client_access, check_reverse_client_hostname_access,
// check_helo_access, check_sender_access, check_recipient_access,
// check_etrn_access and check_sasl_access, and the bare "type:name"
// form that means the list's own check_*_access (smtpd_check.c
// check_access(), check_domain_access(), check_addr_access(),
// check_namadr_access(), check_mail_access()).

// serverErrorValue is what a table failure turns into: an access(5)
// value, so that it is reported like one.
const serverErrorValue = "451 4.3.5 Server configuration error"

// mapArg is is_map_command(): the "type:name" argument of cmd.
func (s *session) mapArg(cmd string, args []string) (string, bool) {
	bad := cmd
	if len(args) > 0 {
		if strings.Contains(args[0], ":") {
			return args[0], true
		}
		bad = args[0]
	}
	s.srv.log.Warn("restriction %s: bad argument \"%s\": need maptype:mapname", cmd, bad)
	return "", false
}

// accessCheck runs one check_*_access restriction: fn does the lookup.
func (s *session) accessCheck(cmd string, args []string, fn func(table string) int) (int, int) {
	table, ok := s.mapArg(cmd, args)
	if !ok {
		return s.serverError(), len(args)
	}
	return fn(table), 1
}

func (s *session) checkClientAccess(args []string, c checkCtx) (int, int) {
	return s.accessCheck("check_client_access", args, func(t string) int {
		st, _ := s.namadrAccess(t, s.client.name, s.client.addr, checkCtx{s.namaddr(), nameClient, c.defACL})
		return st
	})
}

func (s *session) checkRevClientAccess(args []string, c checkCtx) (int, int) {
	cmd := "check_reverse_client_hostname_access"
	return s.accessCheck(cmd, args, func(t string) int {
		st, _ := s.namadrAccess(t, s.client.reverseName, s.client.addr,
			checkCtx{s.client.reverseName, nameRevClient, c.defACL})
		return s.forbidAllowlist(cmd, st, s.client.reverseName)
	})
}

func (s *session) checkHeloAccess(args []string, c checkCtx) (int, int) {
	return s.accessCheck("check_helo_access", args, func(t string) int {
		if !s.haveHelo {
			return checkDunno
		}
		st, _ := s.domainAccess(t, s.helo, false, checkCtx{s.helo, nameHelo, c.defACL})
		return st
	})
}

func (s *session) checkSenderAccess(args []string, c checkCtx) (int, int) {
	return s.accessCheck("check_sender_access", args, func(t string) int {
		switch {
		case !s.tx.inMail:
			return checkDunno
		case s.tx.sender == "":
			st, _ := s.plainAccess(t, s.rp().nullKey, false, checkCtx{"", nameSender, c.defACL})
			return st
		}
		return s.mailAccess(t, s.tx.sender, checkCtx{s.tx.sender, nameSender, c.defACL})
	})
}

func (s *session) checkRecipientAccess(args []string, c checkCtx) (int, int) {
	return s.accessCheck("check_recipient_access", args, func(t string) int {
		if !s.tx.haveRcpt {
			return checkDunno
		}
		return s.mailAccess(t, s.tx.recipient, checkCtx{s.tx.recipient, nameRecipient, c.defACL})
	})
}

func (s *session) checkEtrnAccess(args []string, c checkCtx) (int, int) {
	return s.accessCheck("check_etrn_access", args, func(t string) int {
		if s.chk.etrnName == "" {
			return checkDunno
		}
		st, _ := s.domainAccess(t, s.chk.etrnName, false, checkCtx{s.chk.etrnName, nameEtrn, c.defACL})
		return st
	})
}

// checkSASLAccess is check_sasl_access: the SASL login name.
func (s *session) checkSASLAccess(args []string, c checkCtx) (int, int) {
	return s.accessCheck("check_sasl_access", args, func(t string) int {
		if !s.rp().saslEnable {
			s.srv.log.Warn("restriction `%s' ignored: no SASL support", "check_sasl_access")
			return checkDunno
		}
		if s.saslUsername == "" {
			return checkDunno
		}
		st, _ := s.plainAccess(t, s.saslUsername, false,
			checkCtx{printable(s.saslUsername, '_'), "SASL login name", c.defACL})
		return st
	})
}

// forbidAllowlist refuses OK from restrictions that must not permit.
func (s *session) forbidAllowlist(name string, status int, target string) int {
	if !s.chk.discard && status == checkOK {
		s.srv.log.Warn("restriction %s returns OK for %s", name, target)
		s.srv.log.Warn("this is not allowed for security reasons")
		s.srv.log.Warn("use DUNNO instead of OK if you want to make an exception")
		return s.serverError()
	}
	return status
}

// accessFind is maps_find() on an access table: a failure becomes
// Postfix's server error value. partial skips pattern tables.
func (s *session) accessFind(table, key string, partial bool) (string, bool) {
	m := s.srv.checks.tables[table]
	if m == nil {
		s.srv.log.Warn("check_access: unexpected dictionary: %s", table)
		return serverErrorValue, true
	}
	v, ok, err := m.Find(key, partial)
	if err != nil {
		s.srv.tableProblem(err)
		return serverErrorValue, true
	}
	return v, ok
}

// plainAccess is check_access(): one key.
func (s *session) plainAccess(table, key string, partial bool, c checkCtx) (int, bool) {
	if v, ok := s.accessFind(table, key, partial); ok {
		return s.tableResult(table, v, key, c), true
	}
	return checkDunno, false
}

// domainAccess is check_domain_access(): the name, then its parent
// domains (fixed-string tables only), "example.com" or ".example.com"
// style per parent_domain_matches_subdomains. A numeric name is looked
// up once.
func (s *session) domainAccess(table, domain string, partial bool, c checkCtx) (int, bool) {
	numeric := validHostAddr(domain)
	for name := domain; name != ""; {
		if v, ok := s.accessFind(table, name, partial); ok {
			return s.tableResult(table, v, domain, c), true
		}
		if numeric {
			break
		}
		dot := strings.IndexByte(name[1:], '.')
		if dot < 0 {
			break
		}
		name = name[1+dot:]
		if s.rp().accessParent {
			name = name[1:]
		}
		partial = true
	}
	return checkDunno, false
}

// addrAccess is check_addr_access(): the address, then its networks
// (1.2.3.4, 1.2.3, 1.2, 1; IPv6 by ":" groups).
func (s *session) addrAccess(table, address string, partial bool, c checkCtx) (int, bool) {
	for _, k := range dict.AddrKeys(address) {
		if v, ok := s.accessFind(table, k.Key, partial || k.Partial); ok {
			return s.tableResult(table, v, address, c), true
		}
	}
	return checkDunno, false
}

// namadrAccess is check_namadr_access(): the host name and its
// parents, then the address and its networks.
func (s *session) namadrAccess(table, name, addr string, c checkCtx) (int, bool) {
	if st, found := s.domainAccess(table, name, false, c); st != checkDunno || found {
		return st, found
	}
	return s.addrAccess(table, addr, false, c)
}

// mailAccess is check_mail_access(): the address as trivial-rewrite
// resolves it, in access(5) order (user+ext@domain, user@domain,
// domain and parents, user+ext@, user@). OK for a source-routed
// recipient does not count.
func (s *session) mailAccess(table, addr string, c checkCtx) int {
	other := s.tx.sender
	if c.replyClass == nameSender {
		other = s.tx.recipient
	}
	r, err := s.srv.deps.Resolver.Resolve(other, addr)
	if err != nil {
		return s.dictRetry(addr)
	}
	if !strings.Contains(r.Recipient, "@") {
		s.srv.log.Warn("check_mail_access: no @domain in address: %s", r.Recipient)
		return checkDunno
	}
	m := s.srv.checks.tables[table]
	if m == nil {
		s.srv.log.Warn("check_mail_access: unexpected dictionary: %s", table)
		return s.tableResult(table, serverErrorValue, r.Recipient, c)
	}
	res, ok, err := m.FindAddr(r.Recipient, s.addrParams(), dict.AccessStrategy(s.rp().accessParent))
	if err != nil {
		s.srv.tableProblem(err)
		return s.tableResult(table, serverErrorValue, r.Recipient, c)
	}
	if !ok {
		return checkDunno
	}
	st := s.tableResult(table, res.Value, r.Recipient, c)
	if st == checkOK && !s.p.allowUntrustedRouting && r.Routed && c.replyClass == nameRecipient {
		return checkDunno
	}
	return st
}
