package queue

import (
	"encoding/binary"
	"strings"
	"time"
)

// The queue file format; docs/queue-format.md is its full description.
//
//	header   64 bytes, fixed offsets (written last, by Commit)
//	envelope records: attributes, sender, recipients, then 'M'
//	content  ContentSize raw bytes: header + body, LF line ends
//	trailer  records: late recipients and attributes, the size, then 'E'
//
// A record is a type byte, the payload length as an unsigned varint
// (encoding/binary), and the payload. The type byte of a recipient record
// and of an attribute record are the only bytes ever changed after
// Commit, from 'R' to 'D' (MarkDone) and from 'A' to 'K' (KillAttr),
// apart from the warning time in the header (SetWarnTime).

// Magic opens every queue file.
const Magic = "POSTERNQ"

// Version is the format version in header byte 8.
const Version = 1

// Header field offsets.
const (
	offMagic    = 0  // 8 bytes "POSTERNQ"
	offVersion  = 8  // 1 byte; 9..15 zero
	offArrival  = 16 // int64 big-endian: arrival time, Unix microseconds
	offContent  = 24 // int64: offset of the first content byte
	offSize     = 32 // int64: content size in bytes (header + body)
	offRcptCnt  = 40 // uint32: number of recipient records
	offFlags    = 44 // uint32: Flag* bits
	offWarn     = 48 // int64: delay warning time, Unix seconds; 0 = none
	offEnd      = 56 // int64: offset of the 'E' record
	HeaderSize  = 64
	maxPayload  = 1 << 24 // a record larger than 16 MiB is corrupt
	endRecSize  = 2       // 'E' + varint 0
	maxRcptList = 1 << 24
)

// Record types.
const (
	RecAttr    = 'A' // "name=value"
	RecKilled  = 'K' // an attribute record killed after Commit (was 'A'; KillAttr)
	RecSender  = 'S' // envelope sender address ("" = null sender)
	RecRcpt    = 'R' // recipient, not yet finished
	RecDone    = 'D' // recipient, finished (was 'R'; MarkDone)
	RecContent = 'M' // empty payload; the content follows
	RecEnd     = 'E' // empty payload; nothing may follow
	RecSize    = 'C' // trailer: the message size as Postfix counts it, decimal (msgsize.go)
)

// DSN NOTIFY bits (RFC 3461 5.1; global/dsn_mask.h).
const (
	NotifyNever   = 1 << 0
	NotifySuccess = 1 << 1
	NotifyFailure = 1 << 2
	NotifyDelay   = 1 << 3
)

// Attribute names, as Postfix's MAIL_ATTR_* (global/mail_proto.h) where
// one exists.
const (
	AttrClientName    = "client_name"
	AttrRevClientName = "reverse_client_name"
	AttrClientAddr    = "client_address"
	AttrClientPort    = "client_port"
	AttrHelo          = "helo_name"
	AttrProtocol      = "protocol_name" // SMTP, ESMTP, LMTP, ...
	AttrSASLMethod    = "sasl_method"
	AttrSASLUser      = "sasl_username"
	AttrSASLSender    = "sasl_sender"
	AttrLogIdent      = "log_ident"
	AttrRewrite       = "rewrite_context" // "local" or "remote"
	AttrDSNRet        = "ret_flags"       // FULL or HDRS (RFC 3461 4.3)
	AttrDSNEnvID      = "envelope_id"     // RFC 3461 4.4, xtext-decoded
	AttrEncoding      = "encoding"        // 7bit, 8bitmime
	AttrSMTPUTF8      = "smtputf8"        // "1" when the client asked
	AttrFullName      = "full_name"       // sendmail -F
	AttrOrigin        = "origin"          // smtpd, pickup, sendmail, bounce
	AttrLocalUID      = "uid"             // submitting user (pickup)
	AttrFilter        = "content_filter"  // transport:nexthop (FILTER action)
	AttrRedirect      = "redirect"        // REDIRECT action target
	AttrMessageID     = "message_id"      // as logged: "<...>" or ""
	AttrLogQueueID    = "log_queue_id"
	// AttrTraceFlags is the delivery request trace flags of sendmail -v
	// (1024, DEL_REQ_FLAG_RECORD), sendmail -bv (512) and address probes
	// (256), decimal (MAIL_ATTR_TRACE_FLAGS).
	AttrTraceFlags = "trace_flags"
)

// Recipient is one envelope recipient.
type Recipient struct {
	Address string // after canonical/virtual rewriting
	Orig    string // as given by the client (orig_to); "" when the same
	ORCPT   string // DSN ORCPT (RFC 3461 4.2), "type;addr", xtext-decoded
	Notify  int    // Notify* bits; 0 = not specified
	Done    bool   // delivery finished (delivered, bounced or dropped)
	Offset  int64  // file offset of the record's type byte (for MarkDone)
}

// Envelope is everything in a queue file except the content.
type Envelope struct {
	ID          string
	Arrival     time.Time
	Sender      string
	Recipients  []Recipient
	Attrs       map[string]string
	ContentOff  int64 // first content byte
	ContentSize int64 // header + body bytes
	// MessageSize is the size Postfix reports and compares (qmgr size=,
	// mailq, SIZE=, bounce_size_limit): see msgsize.go. A file without a
	// size record (written before there was one) has its ContentSize.
	MessageSize int64
	WarnTime    time.Time
	Flags       uint32 // header flags; none are defined yet, readers ignore them

	attrOffs map[string]int64 // record offset of each attribute (KillAttr)
}

// Attr returns an attribute's value, "" when absent.
func (e *Envelope) Attr(name string) string { return e.Attrs[name] }

// Pending returns the indices of recipients not yet done.
func (e *Envelope) Pending() []int {
	var out []int
	for i := range e.Recipients {
		if !e.Recipients[i].Done {
			out = append(out, i)
		}
	}
	return out
}

// ParseNotify parses a DSN NOTIFY value ("NEVER" or a comma list of
// SUCCESS, FAILURE, DELAY; case-insensitive). ok is false on bad syntax.
func ParseNotify(s string) (mask int, ok bool) {
	if s == "" {
		return 0, true
	}
	for _, w := range strings.Split(s, ",") {
		switch strings.ToUpper(strings.TrimSpace(w)) {
		case "NEVER":
			mask |= NotifyNever
		case "SUCCESS":
			mask |= NotifySuccess
		case "FAILURE":
			mask |= NotifyFailure
		case "DELAY":
			mask |= NotifyDelay
		default:
			return 0, false
		}
	}
	// RFC 3461 4.1: NEVER must stand alone.
	if mask&NotifyNever != 0 && mask != NotifyNever {
		return 0, false
	}
	return mask, true
}

// FormatNotify is the inverse of ParseNotify.
func FormatNotify(mask int) string {
	if mask&NotifyNever != 0 {
		return "NEVER"
	}
	var w []string
	for _, n := range []struct {
		bit  int
		name string
	}{{NotifySuccess, "SUCCESS"}, {NotifyFailure, "FAILURE"}, {NotifyDelay, "DELAY"}} {
		if mask&n.bit != 0 {
			w = append(w, n.name)
		}
	}
	return strings.Join(w, ",")
}

// appendRecord appends one record to b.
func appendRecord(b []byte, typ byte, payload ...string) []byte {
	n := 0
	for _, p := range payload {
		n += len(p)
	}
	b = append(b, typ)
	b = binary.AppendUvarint(b, uint64(n))
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

// rcptPayload encodes a recipient: notify byte, varint-prefixed address,
// varint-prefixed original address, then the ORCPT to the end.
func rcptPayload(b []byte, r *Recipient) []byte {
	b = append(b, byte(r.Notify))
	b = binary.AppendUvarint(b, uint64(len(r.Address)))
	b = append(b, r.Address...)
	b = binary.AppendUvarint(b, uint64(len(r.Orig)))
	b = append(b, r.Orig...)
	return append(b, r.ORCPT...)
}
