package local

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/local/users"
	"github.com/postern/postern/pkg/queue"
)

// deliverAlias expands name through alias_maps (alias.c deliver_alias());
// found is false when no table has it (or when an alias lists its own
// name: then the user gets the mail). Sendmail compatibility forbids
// duplicate elimination here: the same alias may be expanded again from
// a .forward file.
func (s state) deliverAlias(usr userAttr, name string) (res result, found bool) {
	s.level++
	m := &s.msg
	a := s.job.a
	if m.expFrom.ok && strings.EqualFold(m.expFrom.s, name) {
		return ok, false
	}
	if s.level > maxLevel {
		a.warn("alias database loop for %s", name)
		return s.bounce("5.4.6", "alias database loop for "+name), true
	}
	m.expFrom = some(name)
	for _, t := range a.aliases.tables {
		value, hit, err := t.d.Lookup(name)
		if err != nil {
			a.warn("%s: lookup of '%s' failed", t.spec, name)
			return s.deferTo("4.3.0", "alias database unavailable"), true
		}
		if hit {
			return s.expandAlias(usr, t, name, value), true
		}
	}
	return ok, false
}

// expandAlias delivers to the expansion of an alias found in table t.
func (s state) expandAlias(usr userAttr, t aliasTable, name, value string) result {
	m := &s.msg
	a := s.job.a
	if s.job.d.Req.Flags&deliver.FlagMTAVerify != 0 {
		return s.sent("2.0.0", "aliased to "+value)
	}
	m.expType = expandAlias
	if r, stop := s.aliasRights(&usr, t); stop {
		return r
	}
	listOwner, r, stop := s.ownerAlias(name)
	if stop {
		return r
	}
	if !a.p.frozenDelivered {
		m.delivered = m.rcpt.address
	}
	notify := m.rcpt.notify
	m.rcpt.notify = withoutSuccess(notify)
	saved := *m
	if listOwner {
		m.dsnEnvID, m.dsnRet, m.rcpt.orcpt, m.rcpt.origAddr = "", "", "", ""
	}
	count := 0
	res := s.deliverTokenString(usr, value, &count)
	if count < 1 {
		a.warn("no recipient in alias lookup result for %s", name)
		return s.deferTo("4.3.0", "alias database unavailable")
	}
	if notify&queue.NotifySuccess != 0 {
		m.rcpt.notify = notify
		m.dsnEnvID, m.dsnRet, m.rcpt.orcpt = saved.dsnEnvID, saved.dsnRet, saved.rcpt.orcpt
		action := "expanded"
		if listOwner {
			action = "delivered"
		}
		s.traceExpanded(action)
	}
	return res
}

// aliasRights sets whose rights |command and /file destinations of the
// alias use: default_privs for a root-owned table, else the table
// owner's.
func (s *state) aliasRights(usr *userAttr, t aliasTable) (result, bool) {
	a := s.job.a
	owner := t.owner()
	switch owner.status {
	case ownerTrusted:
		*usr = userAttr{}
		return ok, false
	case ownerUnknown:
		a.warn("deliver_alias: no owner UID for alias database %s", t.spec)
		return s.deferTo("4.3.0", "mail system configuration error"), true
	}
	pw, err := users.LookupUID(owner.uid)
	if err != nil || pw == nil {
		if err != nil {
			a.warn("cannot find alias database owner for %s: %v", t.spec, err)
		} else {
			a.warn("cannot find alias database owner for %s", t.spec)
		}
		return s.deferTo("4.3.0", "cannot find alias database owner"), true
	}
	*usr = userOf(pw)
	return ok, false
}

// ownerAlias applies an owner-NAME alias (owner_request_special): it
// becomes the envelope sender and the owner of the expansion, so that
// problems are reported to it and local recipients get a new message.
func (s *state) ownerAlias(name string) (listOwner bool, r result, stop bool) {
	m := &s.msg
	a := s.job.a
	if !a.p.ownerRequest {
		if a.p.resetOwner {
			m.owner = opt{}
		}
		return false, ok, false
	}
	owner := "owner-" + name
	rhs, found, err := a.aliases.all.Find(owner, false)
	if err != nil {
		return false, s.deferTo("4.3.0", "alias database unavailable"), true
	}
	if !found {
		if a.p.resetOwner {
			m.owner = opt{}
		}
		return false, ok, false
	}
	if a.p.expandOwner {
		owner = rhs
	}
	canon := a.canonInternal(owner)
	m.sender, m.owner = canon, some(canon)
	return true, ok, false
}

// withoutSuccess removes SUCCESS from a DSN NOTIFY mask; SUCCESS alone
// becomes NEVER (RFC 3461 for aliases and mailing lists).
func withoutSuccess(n int) int {
	if n == queue.NotifySuccess {
		return queue.NotifyNever
	}
	return n &^ queue.NotifySuccess
}

// canonInternal rewrites an internal-form address to canonical form
// (canon_addr_internal(): user becomes user@$myorigin, ...).
func (a *Agent) canonInternal(x string) string {
	return addr.UnquoteLocal(a.resolver.Rewrite("local", addr.QuoteLocal(x)))
}

// canonExternal rewrites an external-form address (canon_addr_external()).
func (a *Agent) canonExternal(addr string) string {
	return a.resolver.Rewrite("local", addr)
}
