package verify

import (
	"strconv"

	"github.com/postern/postern/pkg/queue"
)

// Protocol is the server's announcement (MAIL_ATTR_PROTO_VERIFY), with
// Postfix's spelling.
const Protocol = "address_verification_prrotocol"

// Requests and attributes (verify_clnt.h, mail_proto.h).
const (
	ReqQuery  = "query"
	ReqUpdate = "update"

	AttrRequest    = "request"
	AttrAddress    = "address"
	AttrRcptStatus = "recipient_status"
	AttrReason     = "reason"
	AttrStatus     = "status"
)

// Request statuses (VRFY_STAT_*).
const (
	StatOK   = 0
	StatFail = -1
	StatBad  = -2
)

// Address statuses (DEL_RCPT_STAT_*).
const (
	RcptOK     = 0 // deliverable
	RcptDefer  = 1 // undeliverable, temporary failure
	RcptBounce = 2 // undeliverable, permanent failure
	RcptTodo   = 3 // unknown: a probe is under way
)

// TraceFlagMTAVerify is DEL_REQ_FLAG_MTA_VRFY, the value of the queue
// file attribute AttrTraceFlags that marks a probe.
const TraceFlagMTAVerify = 1 << 8

// AttrTraceFlags is the queue file attribute of a probe (MAIL_ATTR_TRACE_FLAGS).
const AttrTraceFlags = queue.AttrTraceFlags

// InProgress is the reason of an address that is being probed.
const InProgress = "Address verification in progress"

// StatusName is the log word for an address status (verify_stat2name):
// "deliverable" or "undeliverable"; "" for an unknown status.
func StatusName(st int) string {
	switch st {
	case RcptOK:
		return "deliverable"
	case RcptDefer, RcptBounce:
		return "undeliverable"
	}
	return ""
}

// formatInt writes an int as attr_print0 does ("%u" of 32 bits).
func formatInt(n int) string { return strconv.FormatUint(uint64(uint32(int32(n))), 10) }

// parseInt reads what formatInt wrote (attr_scan0 "%u" into an int).
func parseInt(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, err
	}
	return int(int32(uint32(n))), nil
}
