package local

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/local/users"
	"github.com/postern/postern/pkg/mailbox"
)

// maxLevel is the recursion limit of alias, :include: and address
// expansion.
const maxLevel = 100

// deliverRecipient delivers one recipient: the queue recipient or an
// address found while expanding it (recipient.c deliver_recipient()).
func (s state) deliverRecipient(usr userAttr) result {
	s.level++
	m := &s.msg
	if s.level > maxLevel {
		s.job.a.warn("recipient nesting limit exceeded for %s", m.rcpt.address)
		return s.bounce("5.4.6", "recipient nesting limit exceeded")
	}
	if s.job.dup.beenHere(fmt.Sprintf("recipient %d %s", s.level, m.rcpt.address)) {
		return ok
	}
	if s.job.loopFound(m.rcpt.address) {
		return s.bounceWorkaround(deliver.Simple("5.4.6", "mail forwarding loop for "+m.rcpt.address))
	}
	if m.delivered == "" {
		m.delivered = m.rcpt.address
	}
	s.splitRecipient()
	if m.user == "" {
		return s.bounce("5.1.3", fmt.Sprintf("null username in \"%s\"", m.rcpt.address))
	}
	return s.deliverSwitch(usr)
}

// splitRecipient sets local, domain, user and extension from the
// recipient address. An extension with "/" in it is dropped (with the
// local part shortened), as Postfix does since 2.7.
func (s *state) splitRecipient() {
	m := &s.msg
	local := strings.ToLower(m.rcpt.address)
	m.domain = opt{}
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local, m.domain = local[:at], some(local[at+1:])
	} else {
		s.job.a.warn("no @ in recipient address: %s", local)
	}
	m.local, m.user, m.extension = local, local, opt{}
	if s.job.a.p.rcptDelim != "" {
		if user, ext, ok := splitAddr(local, s.job.a.p); ok {
			m.user, m.extension = user, some(ext)
			if strings.Contains(ext, "/") {
				s.job.a.warn("%s: address with illegal extension: %s", s.job.d.Req.QueueID, local)
				m.extension, m.local = opt{}, user
			}
		}
	}
	m.unmatched = m.extension
}

// splitAddr splits an address extension off a local part
// (split_addr()): never for postmaster, MAILER-DAEMON or
// $double_bounce_sender, nor for owner-list and list-request when "-" is
// a delimiter and owner_request_special is on, nor when the user part
// would be empty.
func splitAddr(local string, p *params) (user, ext string, ok bool) {
	for _, n := range []string{"postmaster", "mailer-daemon", p.doubleBounce} {
		if strings.EqualFold(local, n) {
			return "", "", false
		}
	}
	if strings.Contains(p.rcptDelim, "-") && p.ownerRequest {
		if strings.HasPrefix(strings.ToLower(local), "owner-") ||
			(len(local) > 8 && strings.EqualFold(local[len(local)-8:], "-request")) {
			return "", "", false
		}
	}
	i := strings.IndexAny(local, p.rcptDelim)
	if i <= 0 {
		return "", "", false
	}
	return local[:i], local[i+1:], true
}

// deliverSwitch decides how to deliver (deliver_switch()): aliases
// first (the full local part, then the user without extension), then
// forwarding as a new message when an owner- alias or a .forward file
// is in charge or the address came from an :include: file, then
// ~/.forward, the mailbox, and finally the unknown-user rules.
func (s state) deliverSwitch(usr userAttr) result {
	s.level++
	m := &s.msg
	if strings.HasPrefix(m.rcpt.address, "\\") {
		return s.deliverBackslash(usr)
	}
	m.unmatched = opt{}
	if r, found := s.deliverAlias(usr, m.local); found {
		return r
	}
	if m.extension.ok {
		if s.job.a.p.extProp&extPropAlias != 0 {
			m.unmatched = m.extension
		}
		if r, found := s.deliverAlias(usr, m.user); found {
			return r
		}
		m.unmatched = m.extension
	}
	if m.owner.ok && !strings.EqualFold(m.owner.s, m.user) {
		return s.deliverIndirect()
	}
	if m.expType == expandInclude {
		return s.deliverIndirect()
	}
	if s.job.a.p.statHome {
		if r, stop := s.checkHome(); stop {
			return r
		}
	}
	if r, found := s.deliverDotForward(usr); found {
		return r
	}
	if r, found := s.deliverMailbox(usr); found {
		return r
	}
	return s.deliverUnknown(usr)
}

// deliverBackslash: "\user" means no alias or .forward expansion.
// XXX: as in Postfix, the RFC 822 parser makes this unreachable from
// alias and .forward files; it is kept for addresses given directly.
func (s state) deliverBackslash(usr userAttr) result {
	m := &s.msg
	m.rcpt.address = m.rcpt.address[1:]
	m.local = strings.TrimPrefix(m.local, "\\")
	m.user = strings.TrimPrefix(m.user, "\\")
	if r, found := s.deliverMailbox(usr); found {
		return r
	}
	return s.deliverUnknown(usr)
}

// checkHome is require_home_directory: the user's home directory must
// be accessible to the user.
func (s *state) checkHome() (result, bool) {
	pw, err := users.Lookup(s.msg.user)
	if err != nil {
		s.job.a.warn("error looking up passwd info for %s: %v", s.msg.user, err)
		return s.deferTo("4.0.0", "user lookup error"), true
	}
	if pw == nil {
		return ok, false
	}
	resp, err := s.job.a.stat(s.job.ctx, mailbox.Cred{UID: pw.UID, GID: pw.GID}, pw.Home, false)
	if err != nil {
		return s.deferTo("4.3.0", fmt.Sprintf("cannot access home directory %s: %v", pw.Home, err)), true
	}
	if resp.Errno != 0 {
		return s.deferTo("4.3.0", fmt.Sprintf("cannot access home directory %s: %s", pw.Home, mailbox.ErrText(resp.Errno))), true
	}
	return ok, false
}
