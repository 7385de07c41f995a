package attr

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"time"
)

// Conn is one attribute-list conversation over a stream socket, with a
// deadline on every Send and Recv (Postfix's attr_clnt/vstream timeouts).
type Conn struct {
	conn    net.Conn
	r       *Reader
	w       *Writer
	enc     Encoding
	Timeout time.Duration // per Send or Recv; 0 leaves the deadline to the caller
}

// NewConn wraps an established connection. Its buffers come from a pool
// that Release refills.
func NewConn(c net.Conn, enc Encoding, timeout time.Duration) *Conn {
	br := connReaders.Get().(*bufio.Reader)
	br.Reset(c)
	bw := connWriters.Get().(*bufio.Writer)
	bw.Reset(c)
	return &Conn{conn: c, r: &Reader{r: br, enc: enc, Limits: DefaultLimits}, w: &Writer{w: bw, enc: enc},
		enc: enc, Timeout: timeout}
}

// The buffers of released conversations: a delivery request is one
// conversation each way (qmgr and the agent), and their two 4 KiB
// buffers were a third of the bytes qmgr and smtp allocated.
var (
	connReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	connWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
)

// Release gives the buffers back for the next conversation. The Conn
// must not be used afterwards (the connection itself stays open); a
// Conn that is never released is simply collected.
func (c *Conn) Release() {
	if c.r == nil || c.w == nil {
		return
	}
	c.r.r.Reset(nil)
	connReaders.Put(c.r.r)
	c.w.w.Reset(nil)
	connWriters.Put(c.w.w)
	c.r, c.w = nil, nil
}

// Dial connects to a UNIX-domain socket ("unix") or TCP endpoint ("tcp").
func Dial(network, addr string, enc Encoding, timeout time.Duration) (*Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	return NewConn(c, enc, timeout), nil
}

// Encoding returns the connection's encoding (for DecodeData).
func (c *Conn) Encoding() Encoding { return c.enc }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.conn }

// SetLimits sets the reader's limits.
func (c *Conn) SetLimits(l Limits) { c.r.Limits = l }

func (c *Conn) deadline() {
	if c.Timeout > 0 {
		c.conn.SetDeadline(time.Now().Add(c.Timeout))
	}
}

// Send writes one list and flushes it.
func (c *Conn) Send(l List) error {
	c.deadline()
	return c.w.Write(l)
}

// Recv reads one list.
func (c *Conn) Recv() (List, error) {
	c.deadline()
	return c.r.Read()
}

// Call sends a request and reads the reply.
func (c *Conn) Call(req List) (List, error) {
	if err := c.Send(req); err != nil {
		return nil, err
	}
	return c.Recv()
}

// Announce sends the server's protocol announcement "protocol=NAME".
func (c *Conn) Announce(proto string) error {
	return c.Send(List{{Name: ProtoName, Value: proto}})
}

// ExpectProtocol reads the server's announcement and checks its name, as
// attr_scan with RECV_ATTR_STREQ(MAIL_ATTR_PROTO, NAME) does.
func (c *Conn) ExpectProtocol(proto string) error {
	l, err := c.Recv()
	if err != nil {
		return fmt.Errorf("read %s announcement: %w", proto, err)
	}
	got, ok := l.Get(ProtoName)
	if !ok {
		return fmt.Errorf("missing attribute %s in announcement (expected: %s)", ProtoName, proto)
	}
	if got != proto {
		return fmt.Errorf("unexpected %s %s (expected: %s)", ProtoName, got, proto)
	}
	return nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }
