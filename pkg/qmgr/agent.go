package qmgr

import (
	"context"

	"github.com/postern/postern/pkg/deliver"
)

// Agent delivers requests: deliver.Client in production, a fake in tests.
// Deliver is called from the scheduler's delivery goroutines, several at
// once, and must return by the context's deadline (qmgr_daemon_timeout).
// The agent records every recipient's outcome itself (queue file, defer,
// bounce and trace logs, log line); qmgr only learns whether some
// recipient is still pending and whether the destination failed as a
// whole. An error wrapping deliver.ErrUnavailable means the agent could
// not be reached: the transport is throttled for transport_retry_time
// (qmgr_transport_throttle). Any other error means the agent failed
// during the request: its recipients stay queued ("unknown mail transport
// error").
type Agent interface {
	Deliver(ctx context.Context, req *deliver.Request) (*deliver.Reply, error)
}
