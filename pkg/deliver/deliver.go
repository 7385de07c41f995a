// Package deliver is the delivery request protocol between the queue
// manager and the delivery agents (smtp, lmtp, local, virtual, error,
// discard, ...), client and server sides, and the per-recipient status
// bookkeeping that every agent shares (Postfix's global/deliver_request.c,
// deliver_completed.c, sent.c, defer.c, bounce.c, trace.c, log_adhoc.c).
//
// # Protocol
//
// qmgr connects to the agent's socket $queue_directory/private/TRANSPORT
// (a master.cf "unix" service). The conversation is attribute lists in
// the null encoding (pkg/attr), one request per connection:
//
//	agent → qmgr   protocol=delivery_request_protocol
//	qmgr  → agent  the request: flags, queue_name, queue_id, queue_file,
//	               nexthop, encoding, smtputf8, sender, envelope_id,
//	               ret_flags, arrival_time, active_time, log_client_name,
//	               log_client_address, log_client_port,
//	               log_protocol_name, log_helo_name, sasl_method,
//	               sasl_username, sasl_sender, log_ident,
//	               rewrite_context, recipient_count=N, then N groups of
//	               rcpt_index, original_recipient, recipient, offset,
//	               dsn_orig_rcpt, notify_flags
//	agent → qmgr   the reply: status (0 when every recipient is finished,
//	               1 when some were deferred), recipient_count=N, then N
//	               groups of rcpt_index, rcpt_status (sent, deferred or
//	               bounced), dsn_status, dsn_action, reason, relay; then,
//	               when the destination itself failed and qmgr should
//	               throttle it, hop_status and hop_reason
//
// Attribute names are Postfix's (global/mail_proto.h) where one exists.
// Unlike Postfix, whose agents answer with one status for the whole
// request, the reply carries every recipient's outcome: qmgr never has to
// guess which recipients of an LMTP or SMTP transaction went through.
// Times are Unix microseconds. rcpt_index is the recipient's position in
// the queue file (queue.Envelope.Recipients), offset its record offset;
// the agent checks both before it marks anything.
//
// # What the agent does with each recipient
//
// Delivery.Record reports outcomes as Postfix's sent(), defer_append() and
// bounce_append() do: a finished recipient (sent, or bounced and written
// to the bounce log) is marked done in the queue file (queue.File.MarkDone,
// fsynced); a deferred one is written to the defer log and left pending;
// DSN success notifications and sendmail -v/-bv records go to the trace
// log; and one line per recipient is logged:
//
//	QID: to=<rcpt>, orig_to=<orig>, relay=R, conn_use=N, delay=D,
//	delays=a/b/c/d, dsn=X.Y.Z, status=sent|deferred|bounced (reason)
//
// With soft_bounce=yes a bounce becomes a deferral with status 4.x.x,
// logged as status=SOFTBOUNCE. A recipient that the agent leaves without
// an outcome (crash of its logic, local error) is deferred with 4.3.0 when
// the request ends, never dropped.
//
// Address verification probes (FlagMTAVerify) report to the verify
// service instead of delivering (probe.go); each deferred recipient of
// ordinary mail is reported to the fast flush service (Env.Flush). A
// recipient with offset -1 (passed by another agent, PassAs) is never
// marked done.
//
// Parameters read (by NewEnv): soft_bounce, delay_logging_resolution_limit,
// queue_directory and the queue layout parameters, daemon_timeout,
// ipc_timeout, address_verify_service_name, address_verify_negative_cache,
// flush_service_name, fast_flush_domains, parent_domain_matches_subdomains.
package deliver

import (
	"time"
)

// Protocol is the name the agent announces (MAIL_ATTR_PROTO_DELIVER).
const Protocol = "delivery_request_protocol"

// Flags are the request flags (DEL_REQ_FLAG_* in deliver_request.h).
type Flags int

const (
	FlagSuccess    Flags = 1 << 0  // mark successful recipients done
	FlagBounce     Flags = 1 << 1  // (Postfix: unimplemented; kept for the bit)
	FlagMTAVerify  Flags = 1 << 8  // MTA-requested address probe
	FlagUserVerify Flags = 1 << 9  // sendmail -bv: report, do not deliver
	FlagRecord     Flags = 1 << 10 // sendmail -v: record and deliver
	FlagConnLoad   Flags = 1 << 11 // consult the agent's connection cache
	FlagConnStore  Flags = 1 << 12 // leave the session in the connection cache
	FlagRecDlySent Flags = 1 << 13 // record delayed deliveries (delay DSN)

	FlagConnMask = FlagConnLoad | FlagConnStore // DEL_REQ_FLAG_CONN_MASK

	FlagDefault = FlagSuccess | FlagBounce // DEL_REQ_FLAG_DEFLT
)

// Recipient is one recipient of a request.
type Recipient struct {
	Address     string // envelope recipient, internal (unquoted) form
	OrigAddress string // as the client gave it (orig_to); "" when the same
	Index       int    // position in the queue file (queue.File.MarkDone)
	Offset      int64  // queue file record offset (queue.Recipient.Offset); -1: report only
	Notify      int    // DSN NOTIFY bits (queue.Notify*); 0 = not given
	ORCPT       string // DSN ORCPT "type;address"
}

// ReportOnly reports whether the recipient was passed with offset -1,
// as Postfix's deliver_pass() does: the agent delivers and reports, but
// never marks the recipient done (the agent that passed it decides).
func (rc Recipient) ReportOnly() bool { return rc.Offset < 0 }

// Request is one delivery request.
type Request struct {
	Flags     Flags
	QueueName string // queue of the file, normally "active"
	QueueID   string
	QueueFile string // path relative to the queue directory (qmgr sends active/ID: chrooted agents see the queue directory as "/"); absolute paths are used as given
	Transport string // master.cf service name the request is sent to
	Nexthop   string
	Sender    string
	Encoding  string // queue.AttrEncoding: 7bit, 8bitmime or ""
	SMTPUTF8  bool
	DSNEnvID  string
	DSNRet    string // FULL, HDRS or ""

	ArrivalTime time.Time // message arrival (incoming_arrival)
	ActiveTime  time.Time // entry into the active queue (active_arrival)

	// Client attributes for XFORWARD and logging; may be empty.
	ClientName, ClientAddr, ClientPort, ClientProto, ClientHelo string
	SASLMethod, SASLUsername, SASLSender                        string
	LogIdent, RewriteContext                                    string

	Recipients []Recipient
}

// Status is a recipient's outcome.
type Status int

const (
	Deferred Status = iota // temporary failure: still pending (the zero value)
	Sent                   // delivered: done
	Bounced                // permanent failure: done, in the bounce log
)

var statusNames = [...]string{"deferred", "sent", "bounced"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "status(?)"
	}
	return statusNames[s]
}

// parseStatus is the inverse of Status.String.
func parseStatus(s string) (Status, bool) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), true
		}
	}
	return 0, false
}

// Result is one recipient's outcome as the agent reports it to qmgr.
type Result struct {
	Index  int // Recipient.Index
	Status Status
	DSN    string // enhanced status, e.g. 2.0.0
	Action string // DSN action: delivered, relayed, delayed, failed, ...
	Reason string // as logged in status=WORD (reason)
	Relay  string // as logged in relay=
}

// Reply is the agent's answer to a Request: one Result per recipient, in
// request order, and the hop status when the destination failed as a
// whole (connection refused, greeting rejected, ...).
type Reply struct {
	Results   []Result
	HopStatus string // DSN of a destination-wide failure; "" when none
	HopReason string
	// Keep says that the agent reads another request on the same
	// connection (Env.KeepIdle); the client may keep it for the next
	// delivery to the same transport.
	Keep bool
}

// Pending reports whether some recipient was deferred.
func (r *Reply) Pending() bool {
	for _, res := range r.Results {
		if res.Status == Deferred {
			return true
		}
	}
	return false
}
