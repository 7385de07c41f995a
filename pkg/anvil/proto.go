package anvil

import "strings"

// Protocol names (global/anvil_clnt.h, global/mail_proto.h).
const (
	Protocol = "anvil_protocol" // MAIL_ATTR_PROTO_ANVIL, the server's announcement

	AttrRequest = "request" // ANVIL_ATTR_REQ
	AttrIdent   = "ident"   // ANVIL_ATTR_IDENT
	AttrStatus  = "status"  // ANVIL_ATTR_STATUS
	AttrCount   = "count"   // ANVIL_ATTR_COUNT
	AttrRate    = "rate"    // ANVIL_ATTR_RATE
	AttrMail    = "mail"    // ANVIL_ATTR_MAIL
	AttrRcpt    = "rcpt"    // ANVIL_ATTR_RCPT
	AttrNewTLS  = "newtls"  // ANVIL_ATTR_NTLS
	AttrAuth    = "auth"    // ANVIL_ATTR_AUTH

	ReqConnect      = "connect"       // ANVIL_REQ_CONN
	ReqDisconnect   = "disconnect"    // ANVIL_REQ_DISC
	ReqMessage      = "message"       // ANVIL_REQ_MAIL
	ReqRecipient    = "recipient"     // ANVIL_REQ_RCPT
	ReqNewTLS       = "newtls"        // ANVIL_REQ_NTLS
	ReqNewTLSStatus = "newtls_status" // ANVIL_REQ_NTLS_STAT (anvil(8) calls it newtls_report)
	ReqAuth         = "auth"          // ANVIL_REQ_AUTH
	ReqLookup       = "lookup"        // ANVIL_REQ_LOOKUP
)

// Reply status values. ANVIL_STAT_FAIL is -1, which attr_print_plain
// sends as an unsigned number.
const (
	StatOK       = 0
	StatFail     = -1
	statFailWire = "4294967295"
)

// Ident is the table key for a client of a service, "service:addr",
// with every non-printable byte replaced by '?' as anvil_clnt.c's
// ANVIL_IDENT does (printable(concatenate(service, ":", addr), '?')).
func Ident(service, addr string) string {
	id := service + ":" + addr
	if strings.IndexFunc(id, func(r rune) bool { return r < 0x20 || r >= 0x7f }) < 0 {
		return id
	}
	b := []byte(id)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}
