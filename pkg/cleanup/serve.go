package cleanup

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// Protocol is the announcement of the cleanup daemon
// (docs/queue-format.md, "The cleanup daemon protocol").
const Protocol = "cleanup_protocol"

// Serve runs the cleanup protocol on one client connection until the
// client closes it: any number of messages, each begin ... end. A
// message still open when the connection ends is discarded. timeout
// bounds every read and write ($ipc_timeout).
func (c *Cleanup) Serve(conn net.Conn, timeout time.Duration) {
	ac := attr.NewConn(conn, attr.Null, timeout)
	if err := ac.Announce(Protocol); err != nil {
		return
	}
	s := &session{c: c, conn: ac}
	defer s.abort()
	for {
		req, err := ac.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.logf("warning", "cleanup protocol: read request: %v", err)
			}
			return
		}
		if err := s.dispatch(req); err != nil {
			c.logf("warning", "cleanup protocol: %v", err)
			return
		}
	}
}

// session is one client connection with its open message.
type session struct {
	c    *Cleanup
	conn *attr.Conn
	m    *Message
}

func (s *session) abort() {
	if s.m != nil {
		s.m.Abort()
		s.m = nil
	}
}

// dispatch runs one request; an error ends the connection.
func (s *session) dispatch(req attr.List) error {
	op, _ := req.Get("request")
	if op == "begin" {
		return s.begin(req)
	}
	if s.m == nil {
		return fmt.Errorf("request %q without an open message", op)
	}
	switch op {
	case "end":
		id, err := s.m.Commit()
		s.m = nil
		return s.reply(id, err)
	case "abort":
		s.abort()
		return nil
	case "data":
		v, err := req.Need("data")
		if err != nil {
			return err
		}
		b, err := attr.DecodeData(v, s.conn.Encoding())
		if err != nil {
			return err
		}
		_, err = s.m.Write(b)
		return err
	}
	return s.envelope(op, req)
}

// envelope handles the requests that describe the message.
func (s *session) envelope(op string, req attr.List) error {
	get := func(name string) string { v, _ := req.Get(name); return v }
	switch op {
	case "sender":
		return s.m.SetSender(get("address"), get("ret_flags"), get("envelope_id"))
	case "recipient":
		return s.m.AddRecipientOrig(get("address"), get("original_recipient"), get("dsn_orig_rcpt"),
			get("notify_flags"))
	case "attr":
		name, err := req.Need("name")
		if err != nil {
			return err
		}
		return s.m.SetAttr(name, get("value"))
	case "hold":
		s.m.Hold()
	case "discard":
		s.m.Discard()
	case "prepend":
		return s.m.Prepend(get("header"))
	default:
		return fmt.Errorf("unknown request %q", op)
	}
	return nil
}

// begin opens a message described by the request's attributes.
func (s *session) begin(req attr.List) error {
	if s.m != nil {
		return errors.New("request \"begin\" while a message is open")
	}
	get := func(name string) string { v, _ := req.Get(name); return v }
	meta := Meta{
		ClientName: get(queue.AttrClientName), ClientAddr: get(queue.AttrClientAddr),
		ClientPort: get(queue.AttrClientPort), Helo: get(queue.AttrHelo),
		Protocol: get(queue.AttrProtocol), SASLMethod: get(queue.AttrSASLMethod),
		SASLUser: get(queue.AttrSASLUser), SASLSender: get(queue.AttrSASLSender),
		TLS: get("tls"), Origin: get(queue.AttrOrigin), FullName: get(queue.AttrFullName),
		RewriteContext: get(queue.AttrRewrite), LogIdent: get(queue.AttrLogIdent), LocalUID: -1,
	}
	if v, ok := req.Get("arrival_time"); ok {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("bad arrival_time %q", v)
		}
		meta.Arrival = time.Unix(sec, 0)
	}
	if v, ok := req.Get(queue.AttrLocalUID); ok {
		uid, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("bad uid %q", v)
		}
		meta.LocalUID = uid
	}
	m, err := s.c.Begin(meta)
	s.m = m
	id := ""
	if m != nil {
		id = m.QueueID()
	}
	return s.reply(id, err)
}

// reply sends {status=0, queue_id} or the failure's SMTP reply.
func (s *session) reply(id string, err error) error {
	var l attr.List
	if err == nil {
		l.Int("status", 0)
		l.Str("queue_id", id)
		return s.conn.Send(l)
	}
	e, ok := smtperr.As(err)
	if !ok {
		e = smtperr.Temp("4.3.0", "", err)
	}
	l.Int("status", int64(e.Code))
	l.Str("enhanced", e.Enhanced)
	l.Str("reason", e.Text)
	return s.conn.Send(l)
}
