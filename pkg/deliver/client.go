package deliver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// Client sends delivery requests to agents; qmgr uses it.
type Client struct {
	QueueDir   string        // $queue_directory; sockets are private/TRANSPORT
	IPCTimeout time.Duration // qmgr_ipc_timeout: connect, announcement, request
	// Keep lets the client keep a connection whose agent offers to read
	// another request (Reply.Keep) for the next delivery to the same
	// transport (pool.go).
	Keep bool

	pool pool
}

// ErrUnavailable wraps failures to reach an agent (no socket, refused,
// wrong protocol): qmgr logs "mail transport unavailable" and defers.
var ErrUnavailable = errors.New("mail transport unavailable")

// SocketPath returns the agent socket for transport.
func (c *Client) SocketPath(transport string) string {
	return filepath.Join(c.QueueDir, "private", transport)
}

// Deliver sends req to the agent for req.Transport and waits for its
// reply until ctx ends (qmgr bounds this with its daemon timeout). The
// reply holds exactly one Result per request recipient, in order. An
// error means the agent's outcome is unknown: recipients it finished are
// marked done in the queue file, the others must be treated as deferred.
func (c *Client) Deliver(ctx context.Context, req *Request) (*Reply, error) {
	if req.Transport == "" || filepath.Base(req.Transport) != req.Transport {
		return nil, fmt.Errorf("bad transport name %q", req.Transport)
	}
	if c.Keep {
		for {
			nc := c.pool.take(req.Transport)
			if nc == nil {
				break
			}
			reply, err, unread := exchange(ctx, nc, req, c.IPCTimeout, false, nil)
			if unread {
				// The agent closed the kept connection before it read
				// the request: nothing happened, use another one.
				nc.Close()
				continue
			}
			c.done(req.Transport, nc, reply, err)
			return reply, err
		}
	}
	path := c.SocketPath(req.Transport)
	c.pool.dialing(req.Transport, 1)
	conn, err := net.DialTimeout("unix", path, c.IPCTimeout)
	if err != nil {
		c.pool.dialing(req.Transport, -1)
		return nil, fmt.Errorf("%w: connect to transport %s: %v", ErrUnavailable, req.Transport, err)
	}
	accepted := false
	reply, err, _ := exchange(ctx, conn, req, c.IPCTimeout, true, func() {
		accepted = true
		c.pool.dialing(req.Transport, -1)
	})
	if !accepted {
		c.pool.dialing(req.Transport, -1)
	}
	c.done(req.Transport, conn, reply, err)
	return reply, err
}

// done keeps or closes a connection after a delivery.
func (c *Client) done(transport string, nc net.Conn, reply *Reply, err error) {
	if c.Keep && err == nil && reply.Keep && c.pool.put(transport, nc) {
		return
	}
	nc.Close()
}

// Exchange runs the client side of the protocol on an established
// connection: send req, read the announcement, wait for the reply until
// ctx ends. ipcTimeout bounds the announcement and the request.
func Exchange(ctx context.Context, nc net.Conn, req *Request, ipcTimeout time.Duration) (*Reply, error) {
	reply, err, _ := exchange(ctx, nc, req, ipcTimeout, true, nil)
	return reply, err
}

// exchange is Exchange; on a kept connection (announce false) there is
// no announcement, and unread reports that the agent had closed the
// connection without reading the request (the request could not be
// written, or the connection was reset with it unread), which makes it
// safe to send it again elsewhere. An agent that read the request and
// then vanished gives end-of-file instead: its outcome is unknown.
// accepted, if not nil, is called once the announcement was read.
func exchange(ctx context.Context, nc net.Conn, req *Request, ipcTimeout time.Duration, announce bool, accepted func()) (reply *Reply, err error, unread bool) {
	conn := attr.NewConn(nc, attr.Null, ipcTimeout)
	defer conn.Release()
	nc.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	defer stop()
	// The request goes out before the agent's announcement is read: the
	// agent announces itself before it reads a request, so the two cross
	// on the connection instead of costing a round trip each. An agent
	// that never announced cannot have read the request.
	sendErr := conn.Send(encodeRequest(req))
	if announce {
		if err := conn.ExpectProtocol(Protocol); err != nil {
			return nil, fmt.Errorf("%w: transport %s: %v", ErrUnavailable, req.Transport, err), false
		}
		if accepted != nil {
			accepted()
		}
	}
	if sendErr != nil {
		return nil, fmt.Errorf("send request to transport %s: %w", req.Transport, sendErr),
			!announce && errors.Is(sendErr, syscall.EPIPE)
	}
	conn.Timeout = 0
	nc.SetDeadline(time.Time{})
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	l, err := conn.Recv()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("read reply from transport %s: %w", req.Transport, err),
			!announce && errors.Is(err, syscall.ECONNRESET)
	}
	reply, err = decodeReply(l)
	if err != nil {
		return nil, fmt.Errorf("reply from transport %s: %w", req.Transport, err), false
	}
	return reply, checkReply(req, reply), false
}

// checkReply makes sure every recipient has exactly one result.
func checkReply(req *Request, reply *Reply) error {
	if len(reply.Results) != len(req.Recipients) {
		return fmt.Errorf("transport %s returned %d results for %d recipients",
			req.Transport, len(reply.Results), len(req.Recipients))
	}
	for i, res := range reply.Results {
		if res.Index != req.Recipients[i].Index {
			return fmt.Errorf("transport %s: result %d is for recipient #%d, expected #%d",
				req.Transport, i, res.Index, req.Recipients[i].Index)
		}
	}
	return nil
}
