package local

import (
	"fmt"
	"strings"
)

// deliverUnknown handles a recipient that is neither an alias nor a
// user (unknown.c deliver_unknown()): fallback_transport_maps,
// fallback_transport, then luser_relay (expanded, with the unmatched
// extension dropped); mail for postmaster or MAILER-DAEMON without an
// alias is discarded with a warning; anything else bounces with
// "unknown user".
func (s state) deliverUnknown(usr userAttr) result {
	s.level++
	a := s.job.a
	m := &s.msg
	if s.job.dup.beenHere("deliver_unknown " + m.local) {
		return ok
	}
	tr, hit, err := a.fallback.Find(m.user, false)
	switch {
	case err != nil:
		a.warn("%v", err)
		return s.deferTo("4.3.0", "table lookup failure")
	case hit:
		return s.pass(tr)
	case a.p.fallbackTransport != "":
		return s.pass(a.p.fallbackTransport)
	case a.p.luserRelay != "":
		return s.luserRelay(usr)
	}
	if strings.EqualFold(m.user, "MAILER-DAEMON") || strings.EqualFold(m.user, "postmaster") {
		a.warn("required alias not found: %s", m.user)
		return s.sent("2.0.0", "discarded")
	}
	return s.bounce("5.1.1", fmt.Sprintf("unknown user: \"%s\"", m.user))
}

// luserRelay sends mail for an unknown user to $luser_relay.
func (s state) luserRelay(usr userAttr) result {
	a := s.job.a
	s.msg.unmatched = opt{}
	relay, _ := s.expand(a.p.luserRelay, &usr, "")
	if strings.EqualFold(a.canonExternal(relay), s.msg.rcpt.address) {
		return s.bounce("5.1.1", fmt.Sprintf("unknown user: \"%s\"", s.msg.user))
	}
	return s.deliverResolveAddr(usr, relay)
}

// pass hands the current recipient to another transport
// (mailbox_transport, fallback_transport).
func (s *state) pass(service string) result {
	j := s.job
	if strings.HasPrefix(service, ":") {
		// deliver_pass(): "missing transport name" is fatal in Postfix.
		j.a.warn("missing transport name in \"%s\"", service)
		return s.deferTo("4.3.0", "mail system configuration error")
	}
	st := j.d.PassAs(j.ctx, j.a.client, service, j.idx, s.as())
	return s.passed(st)
}
