package showq

import (
	"fmt"
	"strconv"

	"github.com/postern/postern/pkg/attr"
)

// Protocol is the name the showq service announces (MAIL_ATTR_PROTO_SHOWQ).
const Protocol = "showq_protocol"

// Attribute names (global/mail_proto.h).
const (
	aQueue  = "queue_name"
	aID     = "queue_id"
	aTime   = "time"
	aSize   = "size"
	aExpire = "forced_expire"
	aSender = "sender"
	aRcpt   = "recipient"
	aWhy    = "reason"
)

// Send writes one message to a client.
func Send(c *attr.Conn, m *Message) error {
	var l attr.List
	l.Str(aQueue, m.Queue)
	l.Str(aID, m.ID)
	l.Int(aTime, m.Arrival)
	l.Int(aSize, m.Size)
	exp := int64(0)
	if m.ForcedExpire {
		exp = 1
	}
	l.Int(aExpire, exp)
	l.Str(aSender, m.Sender)
	if err := c.Send(l); err != nil {
		return err
	}
	for _, r := range m.Recipients {
		var rl attr.List
		rl.Str(aRcpt, r.Address)
		rl.Str(aWhy, r.Reason)
		if err := c.Send(rl); err != nil {
			return err
		}
	}
	return c.Send(nil)
}

// Serve answers one client: the announcement, the listing, the end mark.
func Serve(c *attr.Conn, scan func(fn func(*Message) error) error) error {
	if err := c.Announce(Protocol); err != nil {
		return err
	}
	if err := scan(func(m *Message) error { return Send(c, m) }); err != nil {
		return err
	}
	return c.Send(nil)
}

// errMalformed is postqueue's complaint about a bad server response.
var errMalformed = fmt.Errorf("malformed showq server response")

// Receive reads a listing from a showq service and calls fn per message.
func Receive(c *attr.Conn, fn func(*Message) error) error {
	if err := c.ExpectProtocol(Protocol); err != nil {
		return errMalformed
	}
	for {
		l, err := c.Recv()
		if err != nil {
			return errMalformed
		}
		if len(l) == 0 {
			return nil
		}
		m, err := decodeMessage(c, l)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}

func decodeMessage(c *attr.Conn, l attr.List) (*Message, error) {
	if len(l) != 6 || l[0].Name != aQueue || l[1].Name != aID || l[2].Name != aTime ||
		l[3].Name != aSize || l[4].Name != aExpire || l[5].Name != aSender {
		return nil, errMalformed
	}
	m := &Message{Queue: l[0].Value, ID: l[1].Value, Sender: l[5].Value}
	var err error
	if m.Arrival, err = strconv.ParseInt(l[2].Value, 10, 64); err != nil {
		return nil, errMalformed
	}
	if m.Size, err = strconv.ParseInt(l[3].Value, 10, 64); err != nil {
		return nil, errMalformed
	}
	m.ForcedExpire = l[4].Value != "0"
	for {
		rl, err := c.Recv()
		if err != nil {
			return nil, errMalformed
		}
		if len(rl) == 0 {
			return m, nil
		}
		if len(rl) != 2 || rl[0].Name != aRcpt || rl[1].Name != aWhy {
			return nil, errMalformed
		}
		m.Recipients = append(m.Recipients, Recipient{Address: printable(rl[0].Value), Reason: printable(rl[1].Value)})
	}
}
