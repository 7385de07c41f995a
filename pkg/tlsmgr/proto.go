package tlsmgr

import "strconv"

// Protocol is the server's announcement (MAIL_ATTR_PROTO_TLSMGR).
const Protocol = "tlsmgr_protocol"

// Requests and attributes (tls_mgr.h).
const (
	ReqSeed   = "seed"
	ReqPolicy = "policy"
	ReqLookup = "lookup"
	ReqUpdate = "update"
	ReqDelete = "delete"
	ReqTktKey = "tktkey"

	AttrRequest   = "request"
	AttrStatus    = "status"
	AttrSize      = "size"
	AttrSeed      = "seed"
	AttrCacheType = "cache_type"
	AttrCacheID   = "cache_id"
	AttrSession   = "session"
	AttrCachable  = "cachable"
	AttrTimeout   = "timeout"
	AttrKeyName   = "keyname"
	AttrKeyBuf    = "keybuf"
)

// Reply statuses (TLS_MGR_STAT_*).
const (
	StatOK   = 0
	StatErr  = -1 // object not found
	StatFail = -2 // protocol error
)

// Ticket key sizes (tls_scache.h).
const (
	TicketNameLen = 16
	TicketKeyLen  = 32
	TicketMACLen  = 32
	// TicketKeySize is sizeof(TLS_TICKET_KEY) on LP64: the three
	// arrays, then an 8-byte time_t.
	TicketKeySize = TicketNameLen + TicketKeyLen + TicketMACLen + 8
)

// sessionLifeMin is TLS_SESSION_LIFEMIN.
const sessionLifeMin = 120

func formatInt(n int) string { return strconv.FormatUint(uint64(uint32(int32(n))), 10) }

func parseInt(s string) (int, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return int(int32(uint32(n))), err == nil
}
