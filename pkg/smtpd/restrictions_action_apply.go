package smtpd

import (
	"strings"

	"github.com/postern/postern/pkg/config"
)

// tableResult applies an access(5) value (check_table_result()). table
// names the table in warnings, datum is the key that was looked up, c
// the reply name and class of what is being checked.
func (s *session) tableResult(table, value, datum string, c checkCtx) int {
	a := parseAccessAction(value)
	switch a.kind {
	case actDunno:
		return checkDunno
	case actReject, actDefer, actCode:
		code, def := a.code, "Access denied"
		if a.kind == actReject {
			code = s.rp().accessReject
		} else if a.kind == actDefer {
			code = s.rp().accessDefer
		}
		return s.checkReject(errPolicy, code, s.dsnFix(a.dsn, c.replyClass), "<%s>: %s rejected: %s",
			c.replyName, c.replyClass, orDefault(a.msg, def))
	case actHangup:
		return s.hangupAction(a.text)
	case actInfo:
		s.logWhatsup("info", a.text)
		return checkDunno
	case actWarn:
		s.logWhatsup("warn", a.text)
		return checkDunno
	case actDeferIfPermit:
		return s.deferIfPermitAction(errPolicy, s.rp().accessDefer, s.dsnFix(a.dsn, c.replyClass),
			"<%s>: %s rejected: %s", c.replyName, c.replyClass, orDefault(a.msg, "Service unavailable"))
	case actDeferIfReject:
		deferIf(&s.chk.deferIfReject, errPolicy, s.rp().accessDefer, s.dsnFix(a.dsn, c.replyClass),
			"<%s>: %s rejected: %s", c.replyName, c.replyClass, orDefault(a.msg, "Service unavailable"))
		return checkDunno
	case actOK:
		return s.aclPermitFrom(a.word, c.replyClass, c.replyName, table)
	case actTableIn:
		s.srv.log.Warn("access table %s has entry with lookup table: %s", table, value)
		s.srv.log.Warn("do not specify lookup tables inside SMTPD access maps")
		s.srv.log.Warn("define a restriction class and specify its name instead.")
		return s.serverError()
	case actRestrictions:
		return s.restrictionsAction(table, value, c)
	}
	return s.delegatedAction(table, a, datum, c)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// restrictionsAction evaluates restriction names given as an access
// value, with the reply name and class of the lookup.
func (s *session) restrictionsAction(table, value string, c checkCtx) int {
	if s.chk.recursion > 100 {
		s.srv.log.Warn("access table %s entry %s causes unreasonable recursion", table, value)
		return s.serverError()
	}
	list := config.SplitList(value)
	if len(list) == 0 {
		s.srv.log.Warn("access table %s entry %s has empty value", table, value)
		return checkOK
	}
	return s.generic(list, c)
}

// deferIfPermitAction is DEFER_IF_PERMIT3(DEFER_IF_PERMIT_ACT, ...):
// remembered, or under warn_if_reject logged as a rejection.
func (s *session) deferIfPermitAction(class errClass, code int, dsn, format string, args ...any) int {
	if s.chk.warnIfReject == 0 {
		return deferIf(&s.chk.deferIfPermit, class, code, dsn, format, args...)
	}
	return s.checkReject(class, code, dsn, format, args...)
}

// hangupAction drops the connection without a reply (HANGUP, "an
// unsupported test feature" of Postfix).
func (s *session) hangupAction(text string) int {
	s.logWhatsup("hangup", text)
	s.dropConnection()
	s.chk.errorText = "421 4.7.0 hangup"
	return checkReject
}

// aclPermitFrom is smtpd_acl_permit(... "from %s", table).
func (s *session) aclPermitFrom(action, class, name, table string) int {
	if s.chk.deferIfPermit.active {
		return checkOK
	}
	for _, a := range s.p.logPermit {
		if strings.EqualFold(a, action) {
			s.logWhatsup("permit", "action="+action+" for "+class+"="+name+" from "+table)
			break
		}
	}
	return checkOK
}
