package qmgr

import (
	"context"
	"errors"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// Request is one delivery request handed to a delivery agent: one
// message, one destination, up to the transport's recipient limit of
// recipients (qmgr_deliver_send_request).
type Request struct {
	Transport   string
	Nexthop     string
	QueueName   string // "active"
	QueueID     string
	Path        string // the queue file
	Sender      string
	Arrival     time.Time
	ContentOff  int64
	ContentSize int64
	Attrs       map[string]string // queue file attributes (client, DSN ENVID/RET, ...)
	Recipients  []queue.Recipient // with their record offsets
	Stats       Stats
}

// Action is what happened to one recipient.
type Action int

const (
	Sent     Action = iota // delivered (2xx); Status gives the DSN
	Deferred               // 4xx: try again later
	Bounced                // 5xx: return to sender
)

// RcptResult is the status of one recipient of a Request, in the order
// of Request.Recipients.
type RcptResult struct {
	Action Action
	Relay  string          // for the log line: "mx.example[192.0.2.1]:25", "local", "none"
	Log    queue.LogRecord // status, reason, diagnostic and remote MTA
	// Done is the time the recipient was finished (zero: when the reply
	// arrived); ConnSetup the end of connection set-up, if any.
	Done      time.Time
	ConnSetup time.Time
}

// Reply is an agent's answer to a Request.
type Reply struct {
	Rcpts []RcptResult
	// Site is set when the destination as a whole failed (connection
	// refused, no route): negative concurrency feedback, and with enough
	// failures the destination is dead for minimal_backoff_time.
	Site *DSN
}

// ErrAgentUnavailable wraps failures to reach a delivery agent at all (no
// socket, connection refused, no protocol announcement): the transport
// is throttled for transport_retry_time (qmgr_transport_throttle).
var ErrAgentUnavailable = errors.New("mail transport unavailable")

// Agent delivers requests. Deliver is called from the scheduler's worker
// goroutines, several at once; it must return within the context's
// deadline (qmgr_daemon_timeout). An error that is not
// ErrAgentUnavailable means the agent failed during the request; its
// recipients stay queued (Postfix's "unknown mail transport error").
type Agent interface {
	Deliver(ctx context.Context, req *Request) (*Reply, error)
}
