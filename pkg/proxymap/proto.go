package proxymap

import (
	"strconv"

	"github.com/postern/postern/pkg/dict"
)

// Protocol is the server's announcement (MAIL_ATTR_PROTO_PROXYMAP).
const Protocol = "proxymap_protocol"

// Requests (dict_proxy.h PROXY_REQ_*).
const (
	ReqOpen     = "open"
	ReqLookup   = "lookup"
	ReqUpdate   = "update"
	ReqDelete   = "delete"
	ReqSequence = "sequence"
)

// Attribute names (mail_proto.h).
const (
	AttrRequest  = "request"
	AttrTable    = "table"
	AttrFlags    = "flags"
	AttrKey      = "key"
	AttrValue    = "value"
	AttrFunction = "function"
	AttrStatus   = "status"
)

// Reply statuses (PROXY_STAT_*).
const (
	StatOK     = 0
	StatNoKey  = 1
	StatRetry  = 2
	StatBad    = 3
	StatDeny   = 4
	StatConfig = 5
)

// Sequence functions (DICT_SEQ_FUN_*).
const (
	SeqFirst = 0
	SeqNext  = 1
)

// Postfix's DICT_FLAG_* bits (util/dict.h).
const (
	FlagDupWarn     = 1 << 0
	FlagDupIgnore   = 1 << 1
	FlagFixed       = 1 << 4
	FlagPattern     = 1 << 5
	FlagLock        = 1 << 6
	FlagDupReplace  = 1 << 7
	FlagSyncUpdate  = 1 << 8
	FlagNoRegsub    = 1 << 11
	FlagNoProxy     = 1 << 12
	FlagNoUnauth    = 1 << 13
	FlagFoldFix     = 1 << 14
	FlagFoldMul     = 1 << 15
	FlagMultiWriter = 1 << 18
	FlagUTF8Request = 1 << 19

	flagImplMask = FlagFixed | FlagPattern | FlagMultiWriter
	flagRqstMask = FlagFoldFix | FlagFoldMul | FlagLock | FlagDupReplace | FlagDupWarn |
		FlagDupIgnore | FlagSyncUpdate | FlagNoRegsub | FlagNoProxy | FlagNoUnauth | FlagUTF8Request
)

// dictFlags converts Postfix's bits to pkg/dict's.
func dictFlags(f int) dict.Flags {
	var out dict.Flags
	for _, m := range []struct {
		bit int
		f   dict.Flags
	}{{FlagFoldFix, dict.FoldFix}, {FlagFoldMul, dict.FoldMul}, {FlagLock, dict.Lock},
		{FlagNoRegsub, dict.NoRegsub}, {FlagUTF8Request, dict.Utf8}, {FlagDupWarn, dict.DupWarn},
		{FlagDupIgnore, dict.DupIgnore}, {FlagDupReplace, dict.DupReplace}} {
		if f&m.bit != 0 {
			out |= m.f
		}
	}
	return out
}

// implFlags are the bits a table reports about itself.
func implFlags(d dict.Dict) int {
	if dict.FlagsOf(d)&dict.Pattern != 0 {
		return FlagPattern
	}
	return FlagFixed
}

// formatInt writes an int as attr_print0 does ("%u" of 32 bits).
func formatInt(n int) string { return strconv.FormatUint(uint64(uint32(int32(n))), 10) }

// parseInt reads what formatInt wrote.
func parseInt(s string) (int, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return int(int32(uint32(n))), err == nil
}
