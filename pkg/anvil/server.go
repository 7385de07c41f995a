package anvil

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// ServerOptions are the settings of the protocol side.
type ServerOptions struct {
	// Name is the stream name in warnings: "anvil socket" (the
	// multi-server skeleton names each client stream "SERVICE socket").
	Name string
	// Timeout bounds the reading of a request once its first byte has
	// arrived, and the writing of the reply ($ipc_timeout). A client may
	// stay idle between requests for as long as it likes.
	Timeout time.Duration
	// Warn logs a warning (the logger adds "warning: ").
	Warn func(format string, args ...any)
}

// requestLimits bound one request list: two short attributes.
var requestLimits = attr.Limits{MaxString: 4096, MaxAttrs: 16}

// Serve talks the anvil protocol on c until the client closes it or
// breaks the protocol (anvil_service, post_accept, anvil_service_done):
// it announces "protocol=anvil_protocol", then answers each request,
// and when the client goes away it drops the connection the client
// still counted. Serve does not close c.
func Serve(t *Table, c net.Conn, o ServerOptions) {
	if o.Warn == nil {
		o.Warn = func(string, ...any) {}
	}
	if o.Name == "" {
		o.Name = "anvil socket"
	}
	tc := &timedConn{Conn: c, timeout: o.Timeout}
	conn := attr.NewConn(tc, attr.Plain, 0)
	conn.SetLimits(requestLimits)
	local := t.Open()
	defer local.Close()
	if conn.Announce(Protocol) != nil {
		return
	}
	for {
		tc.idle = true
		req, err := conn.Recv()
		if err != nil {
			o.readError(err)
			return
		}
		name, ident, extra, ok := o.scan(req)
		if !ok {
			return
		}
		if conn.Send(o.dispatch(local, name, ident)) != nil || extra {
			// XXX: after an unexpected extra attribute Postfix answers,
			// keeps the rest of that list in its buffer and parses it as
			// the start of the next request when more input arrives;
			// Postern closes the connection after the answer.
			return
		}
	}
}

// readError logs why a request could not be read: nothing for a client
// that closes between requests, as attr_scan_plain.
func (o ServerOptions) readError(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		o.Warn("timeout on %s while reading %s", o.Name, readContext(err))
	case errors.Is(err, attr.ErrPremature):
		o.Warn("premature end-of-input on %s while reading %s", o.Name, readContext(err))
	default:
		o.Warn("%s: %s", o.Name, strings.TrimPrefix(err.Error(), "attr: "))
	}
}

func readContext(err error) string {
	if _, after, ok := strings.Cut(err.Error(), "while reading "); ok {
		return after
	}
	return "input attribute name"
}

// wanted are the request attributes, in the order attr_scan_plain
// requires them (ATTR_FLAG_MISSING | ATTR_FLAG_STRICT).
var wanted = [...]string{AttrRequest, AttrIdent, "(list terminator)"}

// scan checks a request list as attr_scan_plain does with
// ATTR_FLAG_STRICT, with Postfix's warnings. extra reports an attribute
// after the two wanted ones: Postfix still serves such a request.
func (o ServerOptions) scan(l attr.List) (name, ident string, extra, ok bool) {
	var vals [2]string
	n := 0
	for _, a := range l {
		if n == 2 || a.Name != wanted[n] {
			o.Warn("unexpected attribute %s from %s (expecting: %s)", a.Name, o.Name, wanted[n])
			extra = n == 2
			break
		}
		vals[n] = a.Value
		n++
	}
	if n < 2 {
		if !extra && len(l) == n {
			o.Warn("missing attribute %s in input from %s", wanted[n], o.Name)
		}
		return "", "", false, false
	}
	return vals[0], vals[1], extra, true
}

// dispatch runs one request and returns the reply (request_table).
func (o ServerOptions) dispatch(l *Local, name, ident string) attr.List {
	switch name {
	case ReqConnect:
		count, rate := l.Connect(ident)
		return reply(count, rate)
	case ReqDisconnect:
		l.Disconnect(ident)
		return reply()
	case ReqMessage:
		return reply(l.Message(ident))
	case ReqRecipient:
		return reply(l.Recipient(ident))
	case ReqNewTLS:
		return reply(l.NewTLS(ident))
	case ReqNewTLSStatus:
		return reply(l.NewTLSStatus(ident))
	case ReqAuth:
		return reply(l.Auth(ident))
	case ReqLookup:
		return lookupReply(l.Lookup(ident))
	}
	o.Warn("unrecognized request: \"%s\", ignored", name)
	return attr.List{{Name: AttrStatus, Value: statFailWire}}
}

// Replies: "status=0", then count and rate, rate alone or nothing.
func reply(vals ...int) attr.List {
	l := make(attr.List, 1, 3)
	l[0] = attr.Attr{Name: AttrStatus, Value: "0"}
	switch len(vals) {
	case 1:
		l = append(l, attr.Attr{Name: AttrRate, Value: strconv.Itoa(vals[0])})
	case 2:
		l = append(l, attr.Attr{Name: AttrCount, Value: strconv.Itoa(vals[0])},
			attr.Attr{Name: AttrRate, Value: strconv.Itoa(vals[1])})
	}
	return l
}

func lookupReply(c Counts) attr.List {
	l := make(attr.List, 0, 7)
	l.Str(AttrStatus, "0")
	for _, a := range []struct {
		name string
		v    int
	}{{AttrCount, c.Count}, {AttrRate, c.Rate}, {AttrMail, c.Mail}, {AttrRcpt, c.Rcpt},
		{AttrNewTLS, c.NewTLS}, {AttrAuth, c.Auth}} {
		l.Str(a.name, strconv.Itoa(a.v))
	}
	return l
}

// timedConn puts no deadline on the wait for a request and $ipc_timeout
// on the rest of it and on the reply, as the multi-server skeleton waits
// for a readable client and then reads it with timed_ipc_setup().
type timedConn struct {
	net.Conn
	timeout time.Duration
	idle    bool
}

func (c *timedConn) Read(p []byte) (int, error) {
	if c.timeout > 0 {
		var d time.Time
		if !c.idle {
			d = time.Now().Add(c.timeout)
		}
		c.Conn.SetReadDeadline(d)
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.idle = false
	}
	return n, err
}

func (c *timedConn) Write(p []byte) (int, error) {
	if c.timeout > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Write(p)
}
