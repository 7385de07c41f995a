package local

import (
	"strings"

	"github.com/postern/postern/pkg/deliver"
)

// bounceWorkaround records a failed delivery to a command or file, or a
// mail forwarding loop (bounce_workaround.c). Postfix sends the notice
// for such a failure to the owner- alias of the recipient when there is
// one, in a notice of its own.
//
// XXX: Postern looks the owner- alias up (a table failure defers, as in
// Postfix) but records the failure in the message's bounce or defer log,
// so that the notice goes to the envelope sender of the message.
func (s state) bounceWorkaround(status, reason string) result {
	a := s.job.a
	if a.p.ownerRequest {
		if _, _, err := s.findOwner(); err != nil {
			return s.deferTo("4.3.0", "alias database unavailable")
		}
	}
	return s.bounceOrDefer(status, reason)
}

// findOwner looks up owner-LOCALPART, then owner-USER without the
// address extension.
func (s *state) findOwner() (string, bool, error) {
	a := s.job.a
	local := s.msg.rcpt.address
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	rhs, found, err := a.aliases.all.Find("owner-"+local, false)
	if err != nil || found {
		return rhs, found, err
	}
	if a.p.rcptDelim != "" {
		if user, _, ok := splitAddr(local, a.p); ok {
			return a.aliases.all.Find("owner-"+user, false)
		}
	}
	return "", false, nil
}

// passed turns another agent's outcome into a result.
func (s *state) passed(st deliver.Status) result {
	switch st {
	case deliver.Sent:
		s.job.sent = true
	case deliver.Bounced:
		s.job.bounced = true
	default:
		s.job.defer_ = deliver.Simple("4.3.0", "delivery deferred by "+s.msg.relay)
		return retry
	}
	return ok
}
