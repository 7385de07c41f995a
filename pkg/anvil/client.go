package anvil

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// Endpoint is the anvil service as the clients of one process see it
// (Postfix's ATTR_CLNT for "local:private/anvil"): where it listens,
// the time limits, and whether it was reachable lately. Clients share
// it, so that when anvil is away one failed attempt keeps the others
// from trying again before RetryDelay has passed.
type Endpoint struct {
	Network string // "unix" (or "tcp" in tests)
	Addr    string // "private/anvil": relative to $queue_directory, the daemons' directory
	// Timeout bounds the connect, including waiting for room in a full
	// listen queue, and each request.
	Timeout time.Duration
	// RetryDelay is how long requests fail at once, without trying,
	// after anvil could not be reached.
	RetryDelay time.Duration
	// Warn logs a warning (the logger adds "warning: ").
	Warn func(format string, args ...any)

	mu        sync.Mutex
	downUntil time.Time
}

// ErrUnavailable is returned while the endpoint waits for RetryDelay
// after a failure.
var ErrUnavailable = errors.New("anvil service unavailable")

// Client is one connection to anvil, opened at the first request. Not
// for concurrent use: anvil counts one remote client per connection.
type Client struct {
	ep   *Endpoint
	conn *attr.Conn
	used bool // conn has answered a request: a failure means anvil went away
}

// NewClient returns a client of e.
func (e *Endpoint) NewClient() *Client { return &Client{ep: e} }

func (e *Endpoint) warn(format string, args ...any) {
	if e.Warn != nil {
		e.Warn(format, args...)
	}
}

func (e *Endpoint) down() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Now().Before(e.downUntil)
}

// failed logs a failed request as attr_clnt_request does and makes the
// clients wait RetryDelay before the next attempt.
func (e *Endpoint) failed(err error) {
	e.warn("problem talking to server %s: %s", e.Addr, errText(err))
	e.mu.Lock()
	e.downUntil = time.Now().Add(e.RetryDelay)
	e.mu.Unlock()
}

// dial connects within Timeout. A full listen queue (a burst of new
// smtpd processes) makes connect(2) on a UNIX socket fail with EAGAIN
// at once; that is retried until the deadline.
func (e *Endpoint) dial() (net.Conn, error) {
	deadline := time.Now().Add(e.Timeout)
	pause := 2 * time.Millisecond
	for {
		d := net.Dialer{Deadline: deadline}
		c, err := d.Dial(e.Network, e.Addr)
		if err == nil || !errors.Is(err, syscall.EAGAIN) || time.Now().Add(pause).After(deadline) {
			return c, err
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// open connects and reads the announcement (anvil_clnt_handshake).
func (c *Client) open() error {
	e := c.ep
	if e.down() {
		return ErrUnavailable
	}
	nc, err := e.dial()
	if err != nil {
		e.warn("connect to %s: %s", e.Addr, errText(err))
		e.failed(err)
		return err
	}
	conn := attr.NewConn(nc, attr.Plain, e.Timeout)
	conn.SetLimits(requestLimits)
	if err := conn.ExpectProtocol(Protocol); err != nil {
		nc.Close()
		e.failed(err)
		return err
	}
	c.conn, c.used = conn, false
	return nil
}

// Close closes the connection; the next request opens a new one.
func (c *Client) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// request sends one request and returns the numbers named in want. A
// connection that worked before and fails now (anvil restarted, or
// exited after a reload) is replaced at once and the request tried
// again, once; any other failure is logged and returned, and the
// caller goes on without the limit.
func (c *Client) request(name, ident string, want ...string) ([]int, error) {
	req := attr.List{{Name: AttrRequest, Value: name}, {Name: AttrIdent, Value: ident}}
	for attempt := 0; ; attempt++ {
		if c.conn == nil {
			if err := c.open(); err != nil {
				return nil, err
			}
		}
		rep, err := c.conn.Call(req)
		if err == nil {
			c.used = true
			return parseReply(rep, name, want)
		}
		stale := c.used && !isTimeout(err)
		c.Close()
		if !stale || attempt > 0 {
			c.ep.failed(err)
			return nil, err
		}
	}
}

// parseReply checks the status and reads the wanted numbers, as
// attr_scan_plain with ATTR_FLAG_MISSING | ATTR_FLAG_STRICT.
func parseReply(rep attr.List, name string, want []string) ([]int, error) {
	st, err := rep.Number(AttrStatus)
	if err != nil {
		return nil, err
	}
	if int32(uint32(st)) != StatOK {
		return nil, fmt.Errorf("anvil %s request failed: status %d", name, int32(uint32(st)))
	}
	out := make([]int, len(want))
	for i, w := range want {
		n, err := rep.Number(w)
		if err != nil {
			return nil, err
		}
		out[i] = int(n)
	}
	return out, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// errText is the text %m prints for err: the capitalized strerror of a
// system error ("Connection refused"), "Connection timed out" for a
// timeout, and, for the end of the stream where errno is 0, "Success".
func errText(err error) string {
	var errno syscall.Errno
	switch {
	case isTimeout(err):
		errno = syscall.ETIMEDOUT
	case errors.As(err, &errno):
	case errors.Is(err, io.EOF), errors.Is(err, attr.ErrPremature):
		return "Success"
	default:
		return err.Error()
	}
	s := errno.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}

// Client time limits. Postfix's clients wait $ipc_timeout (an hour) for
// anvil; a stopped anvil would then hold every SMTP session for that
// long. Postern's smtpd waits at most ClientTimeout for the connect and
// for each answer, and after a failure goes on without limits for
// RetryDelay before it tries again.
// XXX: Postfix tries each request twice with a pause of one second in
// between, and logs each failed attempt.
const (
	ClientTimeout = 5 * time.Second
	RetryDelay    = 10 * time.Second
)

// NewEndpoint returns the endpoint "private/anvil" (relative to the
// queue directory, the daemons' working directory, inside or outside
// the chroot jail) with min($ipc_timeout, ClientTimeout).
func NewEndpoint(cfg *config.Config, warn func(format string, args ...any)) (*Endpoint, error) {
	ipc, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return nil, err
	}
	return &Endpoint{Network: "unix", Addr: "private/anvil", Timeout: min(ipc, ClientTimeout),
		RetryDelay: RetryDelay, Warn: warn}, nil
}
