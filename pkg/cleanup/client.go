package cleanup

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// Client talks to the cleanup daemon over its UNIX socket, for programs
// that do not run cleanup in-process. A Client carries one message at a
// time.
type Client struct {
	conn *attr.Conn
}

// clientChunk is the content sent per data request.
const clientChunk = 64 << 10

// Dial connects to the cleanup daemon at path (e.g.
// $queue_directory/public/cleanup) and checks its announcement.
func Dial(path string, timeout time.Duration) (*Client, error) {
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return nil, fmt.Errorf("connect to cleanup service %s: %w", path, err)
	}
	return NewClient(conn, timeout)
}

// NewClient runs the protocol over an established connection.
func NewClient(c net.Conn, timeout time.Duration) (*Client, error) {
	conn := attr.NewConn(c, attr.Null, timeout)
	if err := conn.ExpectProtocol(Protocol); err != nil {
		conn.Close()
		return nil, err
	}
	return &Client{conn: conn}, nil
}

// Close closes the connection; an open message is discarded.
func (cl *Client) Close() error { return cl.conn.Close() }

// RemoteMessage is a message being sent to the cleanup daemon. Its
// methods mirror Message's.
type RemoteMessage struct {
	cl  *Client
	id  string
	buf []byte
	err error // first connection error; sticky
}

// Begin starts a message; the daemon assigns the queue ID.
func (cl *Client) Begin(meta Meta) (*RemoteMessage, error) {
	req := attr.List{{Name: "request", Value: "begin"}}
	for _, a := range [][2]string{
		{queue.AttrClientName, meta.ClientName}, {queue.AttrClientAddr, meta.ClientAddr},
		{queue.AttrClientPort, meta.ClientPort}, {queue.AttrHelo, meta.Helo},
		{queue.AttrProtocol, meta.Protocol}, {queue.AttrSASLMethod, meta.SASLMethod},
		{queue.AttrSASLUser, meta.SASLUser}, {queue.AttrSASLSender, meta.SASLSender},
		{"tls", meta.TLS}, {queue.AttrOrigin, meta.Origin}, {queue.AttrFullName, meta.FullName},
		{queue.AttrRewrite, meta.RewriteContext}, {queue.AttrLogIdent, meta.LogIdent},
	} {
		if a[1] != "" {
			req.Str(a[0], a[1])
		}
	}
	if meta.LocalUID >= 0 {
		req.Str(queue.AttrLocalUID, strconv.Itoa(meta.LocalUID))
	}
	if !meta.Arrival.IsZero() {
		req.Int("arrival_time", meta.Arrival.Unix())
	}
	id, err := cl.call(req)
	if err != nil {
		return nil, err
	}
	return &RemoteMessage{cl: cl, id: id}, nil
}

// call sends a request that has a reply and decodes the reply.
func (cl *Client) call(req attr.List) (string, error) {
	rep, err := cl.conn.Call(req)
	if err != nil {
		return "", smtperr.Temp("4.3.0", "", fmt.Errorf("cleanup service: %w", err))
	}
	status, err := rep.Number("status")
	if err != nil {
		return "", smtperr.Temp("4.3.0", "", fmt.Errorf("cleanup service: %w", err))
	}
	if status == 0 {
		id, _ := rep.Get("queue_id")
		return id, nil
	}
	enh, _ := rep.Get("enhanced")
	text, _ := rep.Get("reason")
	return "", &smtperr.Error{Code: int(status), Enhanced: enh, Text: text}
}

// QueueID returns the queue ID assigned at Begin.
func (m *RemoteMessage) QueueID() string { return m.id }

func (m *RemoteMessage) send(op string, kv ...string) error {
	if m.err != nil {
		return m.err
	}
	req := attr.List{{Name: "request", Value: op}}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Str(kv[i], kv[i+1])
	}
	if err := m.cl.conn.Send(req); err != nil {
		m.err = smtperr.Temp("4.3.0", "", fmt.Errorf("cleanup service: %w", err))
	}
	return m.err
}

// SetSender is Message.SetSender.
func (m *RemoteMessage) SetSender(addr, ret, envid string) error {
	return m.send("sender", "address", addr, "ret_flags", ret, "envelope_id", envid)
}

// AddRecipient is Message.AddRecipient.
func (m *RemoteMessage) AddRecipient(addr, orcpt, notify string) error {
	return m.AddRecipientOrig(addr, "", orcpt, notify)
}

// AddRecipientOrig is Message.AddRecipientOrig.
func (m *RemoteMessage) AddRecipientOrig(addr, orig, orcpt, notify string) error {
	if _, ok := queue.ParseNotify(notify); !ok {
		return fmt.Errorf("cleanup: bad DSN NOTIFY value %q", notify)
	}
	if orig == "" {
		return m.send("recipient", "address", addr, "dsn_orig_rcpt", orcpt, "notify_flags", notify)
	}
	return m.send("recipient", "address", addr, "original_recipient", orig,
		"dsn_orig_rcpt", orcpt, "notify_flags", notify)
}

// SetAttr is Message.SetAttr.
func (m *RemoteMessage) SetAttr(name, value string) error {
	return m.send("attr", "name", name, "value", value)
}

// Hold is Message.Hold.
func (m *RemoteMessage) Hold() { m.send("hold") }

// Discard is Message.Discard.
func (m *RemoteMessage) Discard() { m.send("discard") }

// Prepend is Message.Prepend.
func (m *RemoteMessage) Prepend(h string) error { return m.send("prepend", "header", h) }

// Write buffers content and sends it in 64 KiB data requests.
func (m *RemoteMessage) Write(p []byte) (int, error) {
	m.buf = append(m.buf, p...)
	for len(m.buf) >= clientChunk && m.err == nil {
		m.flush(clientChunk)
	}
	return len(p), m.err
}

func (m *RemoteMessage) flush(n int) {
	if m.err != nil || n == 0 {
		return
	}
	var req attr.List
	req.Str("request", "data")
	req.Bytes("data", m.buf[:n])
	if err := m.cl.conn.Send(req); err != nil {
		m.err = smtperr.Temp("4.3.0", "", fmt.Errorf("cleanup service: %w", err))
	}
	m.buf = append(m.buf[:0], m.buf[n:]...)
}

// Commit is Message.Commit: it returns when the daemon has made the
// message durable.
func (m *RemoteMessage) Commit() (string, error) {
	m.flush(len(m.buf))
	if m.err != nil {
		return "", m.err
	}
	return m.cl.call(attr.List{{Name: "request", Value: "end"}})
}

// Abort discards the message.
func (m *RemoteMessage) Abort() { m.send("abort") }
