package deliver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// Agent delivers one request. It records an outcome for each recipient
// with d.Record (or Sent/Defer/Bounce); an error return means local
// trouble, and every recipient still without an outcome is deferred with
// the error as reason. An Agent never bounces on a temporary problem.
type Agent interface {
	Deliver(ctx context.Context, d *Delivery) error
}

// AgentFunc adapts a function to Agent.
type AgentFunc func(ctx context.Context, d *Delivery) error

func (f AgentFunc) Deliver(ctx context.Context, d *Delivery) error { return f(ctx, d) }

// Serve handles one connection from qmgr: announce, read the request,
// deliver, reply (Postfix's deliver_request_read/deliver_request_done).
// With env.KeepIdle it then waits that long for another request on the
// same connection, and ends quietly when none comes or the client
// closes. It returns an error when the conversation itself failed;
// delivery problems are in the reply.
func Serve(ctx context.Context, conn net.Conn, env *Env, agent Agent) error {
	c := attr.NewConn(conn, attr.Null, env.IPCTimeout)
	defer c.Release()
	if err := c.Announce(Protocol); err != nil {
		return fmt.Errorf("send %s announcement: %w", Protocol, err)
	}
	for first := true; ; first = false {
		if !first {
			c.Timeout = env.KeepIdle
		}
		l, err := c.Recv()
		if err != nil {
			if !first && idleEnd(err) {
				return nil
			}
			return fmt.Errorf("error receiving common attributes: %w", err)
		}
		req, err := decodeRequest(l)
		if err != nil {
			return fmt.Errorf("error receiving common attributes: %w", err)
		}
		reply := Handle(ctx, req, env, agent)
		reply.Keep = env.KeepIdle > 0 && (env.KeepWhile == nil || env.KeepWhile())
		c.Timeout = env.IPCTimeout
		if err := c.Send(encodeReply(reply)); err != nil {
			return fmt.Errorf("%s: send delivery status: %w", req.QueueID, err)
		}
		if !reply.Keep {
			return nil
		}
	}
}

// idleEnd reports whether a kept connection ended between requests: the
// client closed it, or no request came within Env.KeepIdle.
func idleEnd(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

// Handle runs one request in-process: it opens the queue file, checks the
// recipients against it, runs the agent and returns the reply. Every
// recipient gets an outcome.
func Handle(ctx context.Context, req *Request, env *Env, agent Agent) *Reply {
	d := &Delivery{Req: req, env: env,
		results:  make([]Result, len(req.Recipients)),
		recorded: make([]bool, len(req.Recipients))}
	d.Stats = Stats{Arrival: req.ArrivalTime, Active: req.ActiveTime, Handoff: env.now()}
	for i, rc := range req.Recipients {
		d.results[i] = Result{Index: rc.Index}
	}
	if err := d.open(); err != nil {
		env.warn("%s: %v", req.QueueID, err)
		d.results = failAll(req, "4.3.0", "mail system configuration error")
		return d.Reply()
	}
	defer d.File.Close()
	if env.DaemonTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, env.DaemonTimeout)
		defer cancel()
	}
	err := agent.Deliver(ctx, d)
	if len(d.Pending()) > 0 {
		d.DeferAll("none", leftover(err))
	}
	return d.Reply()
}

// leftover is the DSN for recipients an agent left without an outcome.
func leftover(err error) DSN {
	if err == nil {
		return Simple("4.3.0", "unknown mail transport error")
	}
	if e, ok := smtperr.As(err); ok && e.Temporary() && e.Enhanced != "" {
		return Simple(e.Enhanced, e.Text)
	}
	return Simple("4.3.0", err.Error())
}

// failAll answers a request that could not be started: everything is
// deferred, nothing is written (qmgr logs and retries).
func failAll(req *Request, status, reason string) []Result {
	out := make([]Result, len(req.Recipients))
	for i, rc := range req.Recipients {
		out[i] = Result{Index: rc.Index, Status: Deferred, DSN: status, Action: "delayed",
			Reason: reason, Relay: "none"}
	}
	return out
}

// open opens the queue file and checks that each recipient is the one
// qmgr means: same index and record offset, not finished yet. The address
// may differ: qmgr passes the resolved form (trivial-rewrite may have
// rewritten it).
func (d *Delivery) open() error {
	path := d.Req.QueueFile
	if path == "" {
		path = d.env.Layout.Path(d.Req.QueueName, d.Req.QueueID)
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(d.env.Layout.Dir, path)
	}
	f, err := queue.Open(path, true)
	if err != nil {
		return fmt.Errorf("open queue file: %w", err)
	}
	if f.ID != d.Req.QueueID {
		f.Close()
		return fmt.Errorf("queue file %s is not message %s", path, d.Req.QueueID)
	}
	for _, rc := range d.Req.Recipients {
		if err := checkRecipient(f, rc); err != nil {
			f.Close()
			return err
		}
	}
	d.File = f
	return nil
}

var errStale = errors.New("recipient does not match the queue file")

func checkRecipient(f *queue.File, rc Recipient) error {
	if rc.Index < 0 || rc.Index >= len(f.Recipients) {
		return fmt.Errorf("%w: no recipient #%d", errStale, rc.Index)
	}
	q := f.Recipients[rc.Index]
	if rc.Offset > 0 && q.Offset != rc.Offset { // -1: passed by another agent (ReportOnly)
		return fmt.Errorf("%w: #%d <%s> is at offset %d, not %d", errStale, rc.Index, q.Address, q.Offset, rc.Offset)
	}
	if q.Done {
		return fmt.Errorf("%w: recipient <%s> is already done", errStale, rc.Address)
	}
	return nil
}
