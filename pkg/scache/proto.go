package scache

// Protocol is the server's announcement (MAIL_ATTR_PROTO_SCACHE).
const Protocol = "connection_cache_protocol"

// Requests (scache.h SCACHE_REQ_*).
const (
	ReqFindEndp = "find_endp"
	ReqSaveEndp = "save_endp"
	ReqFindDest = "find_dest"
	ReqSaveDest = "save_dest"
)

// Attribute names (mail_proto.h).
const (
	AttrRequest  = "request"
	AttrTTL      = "ttl"
	AttrLabel    = "label"
	AttrProperty = "property"
	AttrStatus   = "status"
	AttrDummy    = "dummy"
)

// Reply statuses (SCACHE_STAT_*).
const (
	StatOK   = 0
	StatBad  = 1
	StatFail = 2
)
