package smtpd

import (
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Recipient validation (smtpd_check.c check_rcpt_maps()):
// reject_unlisted_recipient (old name check_recipient_maps) and
// reject_unlisted_sender, also applied implicitly after the lists when
// smtpd_reject_unlisted_recipient (default yes) or
// smtpd_reject_unlisted_sender (default no) is set. An address that a
// canonical or virtual alias table knows is accepted; otherwise the
// table of its address class decides: local_recipient_maps for
// $mydestination, virtual_mailbox_maps, relay_recipient_maps. Unknown
// users in virtual alias domains resolve to the error transport.

// rcptMaps are the tables of recipient validation.
type rcptMaps struct {
	local, virtMailbox, relay                    *dict.Maps
	rcptCanon, senderCanon, canonical, virtAlias *dict.Maps
}

func (s *Server) openRcptMaps(cfg *config.Config) (*rcptMaps, error) {
	m := &rcptMaps{}
	for _, t := range []struct {
		dst   **dict.Maps
		param string
	}{
		{&m.local, "local_recipient_maps"}, {&m.virtMailbox, "virtual_mailbox_maps"},
		{&m.relay, "relay_recipient_maps"}, {&m.rcptCanon, "recipient_canonical_maps"},
		{&m.senderCanon, "sender_canonical_maps"}, {&m.canonical, "canonical_maps"},
		{&m.virtAlias, "virtual_alias_maps"},
	} {
		v, err := cfg.Value(t.param)
		if err != nil {
			return nil, err
		}
		if *t.dst, err = s.openMaps(t.param, v); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// localDomains is implemented by resolvers that know the local domains
// (resolve_local()), for the "user" lookup of local addresses.
type localDomains interface {
	IsLocal(domain string) (bool, error)
}

func (t trivialRewrite) IsLocal(domain string) (bool, error) { return t.r.IsLocal(domain) }

func (c *resolveCache) IsLocal(domain string) (bool, error) {
	if l, ok := c.next.(localDomains); ok {
		return l.IsLocal(domain)
	}
	return false, nil
}

// addrParams are the settings of mail_addr_find().
func (s *session) addrParams() dict.AddrParams {
	p := s.rp().addr
	if l, ok := s.srv.deps.Resolver.(localDomains); ok {
		p.IsLocal = l.IsLocal
	}
	return p
}

func (s *session) rejectUnlistedRecipient(_ []string, _ checkCtx) (int, int) {
	if !s.tx.haveRcpt || s.tx.recipient == "" {
		return checkDunno, 0
	}
	return s.recipientRcptMaps(s.tx.recipient), 0
}

func (s *session) rejectUnlistedSender(_ []string, _ checkCtx) (int, int) {
	if !s.tx.inMail || s.tx.sender == "" {
		return checkDunno, 0
	}
	return s.senderRcptMaps(s.tx.sender), 0
}

// recipientRcptMaps is check_recipient_rcpt_maps(): once per recipient,
// unless only warned about.
func (s *session) recipientRcptMaps(rcpt string) int {
	if s.rp().noUnknownRcptChecks || s.chk.rcptMapChecked {
		return checkDunno
	}
	if s.chk.warnIfReject == 0 {
		s.chk.rcptMapChecked = true
	}
	return s.checkRcptMaps(s.tx.sender, rcpt, nameRecipient)
}

// senderRcptMaps is check_sender_rcpt_maps().
func (s *session) senderRcptMaps(sender string) int {
	if s.rp().noUnknownRcptChecks || s.chk.senderMapChecked {
		return checkDunno
	}
	if s.chk.warnIfReject == 0 {
		s.chk.senderMapChecked = true
	}
	return s.checkRcptMaps(s.tx.recipient, sender, nameSender)
}

// checkRcptMaps is check_rcpt_maps().
func (s *session) checkRcptMaps(sender, addr, class string) int {
	r, err := s.srv.deps.Resolver.Resolve(sender, addr)
	if err != nil {
		return s.dictRetry(addr)
	}
	m := s.srv.checks.rcpt
	for _, t := range []*dict.Maps{m.rcptCanon, m.senderCanon, m.canonical, m.virtAlias} {
		if t == m.senderCanon && class != nameSender {
			continue
		}
		if found, st, fail := s.rcptMapFind(t, r.Recipient, addr); fail || found {
			return st
		}
	}
	if st, done := s.errorTransport(r, addr, class); done {
		return st
	}
	return s.classTable(r, addr, class)
}

// errorTransport rejects addresses that resolve to the error or retry
// transport (unknown users in virtual alias domains, relocated users).
func (s *session) errorTransport(r Resolution, addr, class string) (int, bool) {
	sender := class == nameSender
	switch r.Transport {
	case "error":
		dsn, text := dsnSplit(map[bool]string{true: "5.1.0", false: "5.1.1"}[sender], r.Nexthop)
		code := 550
		if r.Class == ClassAlias {
			code = s.rp().virtAliasCode
		}
		return s.checkReject(errBounce, code, s.dsnFix(dsn, class), "<%s>: %s rejected: %s", addr, class, text), true
	case "retry":
		dsn, text := dsnSplit(map[bool]string{true: "4.1.0", false: "4.1.1"}[sender], r.Nexthop)
		return s.checkReject(errBounce, 450, s.dsnFix(dsn, class), "<%s>: %s rejected: %s", addr, class, text), true
	}
	return checkDunno, false
}

// classTable looks the address up in the table of its address class.
func (s *session) classTable(r Resolution, addr, class string) int {
	p, m := s.rp(), s.srv.checks.rcpt
	var t *dict.Maps
	var code int
	var table string
	switch {
	case r.Class == ClassLocal && p.haveLocalRcptMaps && !s.alwaysLocal(r.Recipient):
		t, code, table = m.local, p.localRcptCode, " in local recipient table"
	case r.Class == ClassVirtual && p.haveVirtMailbox:
		t, code, table = m.virtMailbox, p.virtMailboxCode, " in virtual mailbox table"
	case r.Class == ClassRelay && p.haveRelayRcptMaps:
		t, code, table = m.relay, p.relayRcptCode, " in relay recipient table"
	default:
		return checkDunno
	}
	found, st, fail := s.rcptMapFind(t, r.Recipient, addr)
	if fail || found {
		return st
	}
	if !p.showUnknownTable {
		table = ""
	}
	dsn := "5.1.1"
	if class == nameSender {
		dsn = "5.1.0"
	}
	return s.checkReject(errBounce, code, dsn, "<%s>: %s rejected: User unknown%s", addr, class, table)
}

// alwaysLocal reports the local parts that are never rejected: the
// double bounce sender, postmaster and MAILER-DAEMON.
func (s *session) alwaysLocal(rcpt string) bool {
	at := strings.LastIndexByte(rcpt, '@')
	if at < 0 {
		return false
	}
	local := rcpt[:at]
	return strings.EqualFold(local, s.rp().doubleBounce) || strings.EqualFold(local, "postmaster") ||
		strings.EqualFold(local, "MAILER-DAEMON")
}

// rcptMapFind is check_mail_addr_find() with the default search order:
// found, or with fail set the status of a table failure (a temporary
// lookup failure, or a configuration error).
func (s *session) rcptMapFind(m *dict.Maps, key, replyName string) (found bool, status int, fail bool) {
	if m == nil || m.Len() == 0 {
		return false, checkDunno, false
	}
	_, ok, err := m.FindAddr(key, s.addrParams(), dict.FindDefault)
	if err == nil {
		return ok, checkDunno, false
	}
	if s.srv.tableProblem(err) {
		return false, s.serverError(), true
	}
	return false, s.dictRetry(replyName), true
}
