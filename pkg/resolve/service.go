package resolve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// The trivial-rewrite service protocol (trivial-rewrite.c, rewrite.c,
// resolve.c), null encoding, many requests per connection:
//
//	server → client  protocol=trivial-rewrite
//	client → server  request=rewrite, rule=local|remote, address=A
//	server → client  flags=0, address=REWRITTEN
//	client → server  request=resolve|verify, sender=S, address=A
//	server → client  flags=0, transport=T, nexthop=N, recipient=R, flags=F
//
// The first flags attribute is the server's (always 0 here: Postfix sets
// it to ask clients to reconnect after a table change); the last one is
// the result's Flags.

// ServiceProtocol is the service's announcement (MAIL_ATTR_PROTO_TRIVIAL).
const ServiceProtocol = "trivial-rewrite"

// Serve answers the requests of one client until it disconnects. With
// announce set, the protocol is announced first (the master-run service;
// Postfix's stand-alone "-S" mode does not announce).
func (r *Resolver) Serve(conn net.Conn, timeout time.Duration, announce bool) error {
	c := attr.NewConn(conn, attr.Null, timeout)
	if announce {
		if err := c.Announce(ServiceProtocol); err != nil {
			return err
		}
	}
	for {
		conn.SetDeadline(time.Time{}) // clients keep the connection open between requests
		c.Timeout = 0
		req, err := c.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		c.Timeout = timeout
		reply, err := r.answer(req)
		if err != nil {
			return err
		}
		if err := c.Send(reply); err != nil {
			return fmt.Errorf("write resolver reply: %w", err)
		}
	}
}

// answer handles one request strictly: exactly the attributes Postfix's
// client sends, in its order.
func (r *Resolver) answer(req attr.List) (attr.List, error) {
	if len(req) == 0 || req[0].Name != "request" {
		return nil, fmt.Errorf("missing attribute request")
	}
	get := func(names ...string) ([]string, error) {
		if len(req) != len(names)+1 {
			return nil, fmt.Errorf("bad %s request: %d attributes", req[0].Value, len(req))
		}
		var out []string
		for i, n := range names {
			if req[i+1].Name != n {
				return nil, fmt.Errorf("unexpected attribute %s (expecting: %s)", req[i+1].Name, n)
			}
			out = append(out, req[i+1].Value)
		}
		return out, nil
	}
	switch cmd := req[0].Value; cmd {
	case "rewrite":
		v, err := get("rule", "address")
		if err != nil {
			return nil, err
		}
		if v[0] != ContextLocal && v[0] != ContextRemote {
			return nil, fmt.Errorf("unknown context: %s", v[0])
		}
		return attr.List{{Name: "flags", Value: "0"}, {Name: "address", Value: r.Rewrite(v[0], v[1])}}, nil
	case "resolve", "verify":
		v, err := get("sender", "address")
		if err != nil {
			return nil, err
		}
		res := r.Resolve(v[0], v[1])
		if cmd == "verify" {
			res = r.ResolveVerify(v[0], v[1])
		}
		return attr.List{{Name: "flags", Value: "0"}, {Name: "transport", Value: res.Transport},
			{Name: "nexthop", Value: res.Nexthop}, {Name: "recipient", Value: res.Recipient},
			{Name: "flags", Value: strconv.Itoa(int(res.Flags))}}, nil
	default:
		return nil, fmt.Errorf("bad command %.30s", cmd)
	}
}
