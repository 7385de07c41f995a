// Package qmgr is Postfix's queue manager, qmgr(8): it moves mail from
// the incoming and deferred queues into the active queue, resolves the
// recipients, schedules delivery requests per transport and destination,
// hands them to the delivery agents on private/TRANSPORT (pkg/deliver),
// and disposes of each message when all its recipients have been tried:
// removed, returned to the sender (pkg/bounce), or moved to the deferred
// queue with its next attempt time as the file's time stamp.
//
// Manager is the queue manager: Start recovers the active queue (every
// file goes back to incoming) and starts the scans; Run is the event loop;
// Trigger passes the trigger bytes the daemon receives on public/qmgr (W
// and I scan incoming, D deferred, A ignores time stamps, F forgets dead
// destinations). Scheduler is its in-core part, free of I/O so that tests
// drive it step by step: destination queues with Postfix's slow-start
// concurrency windows (qmgr_queue.c), failed-cohort dead sites, rate
// delays, and round-robin selection over transports and destinations.
// NewDaemon builds a Manager with the production collaborators for
// cmd/qmgr.
//
// Life cycle, scheduling rules, log lines and the differences from
// Postfix are documented in docs/qmgr.md.
//
// Log lines (Postfix's words): "QID: from=<s>, size=N, nrcpt=N (queue
// active)", "QID: removed", "QID: from=<s>, status=expired, returned to
// sender" (or status=force-expired), the "to=<...>, relay=none, ...,
// status=deferred (...)" lines of qmgr's own decisions, "warning: saving
// corrupt file "QID" from queue "active" to queue "corrupt"", "warning:
// connect to transport private/NAME: ERROR"; the notices' lines are
// logged as postfix/bounce.
//
// Parameters read: see Params and LimitsFromConfig (per transport), and
// docs/qmgr.md.
package qmgr
