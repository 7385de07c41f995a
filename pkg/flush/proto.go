package flush

import (
	"strconv"
)

// Protocol is the server's announcement (MAIL_ATTR_PROTO_FLUSH).
const Protocol = "queue_flush_protocol"

// Requests (flush_clnt.h FLUSH_REQ_*).
const (
	ReqAdd      = "add"
	ReqSendSite = "send_site"
	ReqSendFile = "send_file"
	ReqRefresh  = "rfrsh"
	ReqPurge    = "purge"
)

// Attribute names (mail_proto.h).
const (
	AttrRequest = "request"
	AttrSite    = "site"
	AttrQueueID = "queue_id"
	AttrStatus  = "status"
)

// Reply statuses (flush_clnt.h FLUSH_STAT_*).
const (
	StatFail = -1 // the request failed (a table lookup error)
	StatOK   = 0  // the request was executed
	StatBad  = 3  // invalid parameter
	StatDeny = 4  // the destination is not eligible
)

// wakeup is the master's trigger (TRIGGER_REQ_WAKEUP).
const wakeup = "W"

// FormatStatus writes a status as attr_print0 writes an int: "%u" of
// its 32-bit value, so -1 is "4294967295".
func FormatStatus(st int) string {
	return strconv.FormatUint(uint64(uint32(int32(st))), 10)
}

// ParseStatus is the inverse of FormatStatus.
func ParseStatus(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, err
	}
	return int(int32(uint32(n))), nil
}
