package deliver

import (
	"context"
	"fmt"
)

// The error(8), retry and discard(8) agents: they deliver nothing, they
// give every recipient the same outcome with the nexthop as the reason
// (error.c, discard.c). The nexthop may start with an RFC 3463 status:
// "error:5.1.1 User unknown", "discard:silently dropped".

// ErrorAgent bounces every recipient (master.cf service "error", status
// 5.0.0 unless the nexthop gives one) or, for the "retry" service,
// defers them (4.0.0). relay=none.
func ErrorAgent(service string) (Agent, error) {
	var def string
	var st Status
	switch service {
	case "error":
		def, st = "5.0.0", Bounced
	case "retry":
		def, st = "4.0.0", Deferred
	default:
		return nil, fmt.Errorf("bad error service name: %s", service)
	}
	return AgentFunc(func(_ context.Context, d *Delivery) error {
		return sameForAll(d, def, st)
	}), nil
}

// DiscardAgent reports every recipient as sent (status 2.0.0 unless the
// nexthop gives one) and marks it done. relay=none.
func DiscardAgent() Agent {
	return AgentFunc(func(_ context.Context, d *Delivery) error {
		return sameForAll(d, "2.0.0", Sent)
	})
}

func sameForAll(d *Delivery, def string, st Status) error {
	if d.Req.Nexthop == "" {
		return fmt.Errorf("empty nexthop hostname")
	}
	if len(d.Req.Recipients) == 0 {
		return fmt.Errorf("recipient count: 0")
	}
	status, text := SplitStatus(def, d.Req.Nexthop)
	outs := make([]Outcome, 0, len(d.Req.Recipients))
	for i := range d.Req.Recipients {
		outs = append(outs, Outcome{Rcpt: i, Status: st, Relay: "none", DSN: Simple(status, text)})
	}
	d.Record(outs...)
	return nil
}
