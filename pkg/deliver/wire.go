package deliver

import (
	"fmt"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// Attribute names (global/mail_proto.h where Postfix has one).
const (
	aFlags       = "flags"
	aQueue       = "queue_name"
	aQueueID     = "queue_id"
	aQueueFile   = "queue_file"
	aTransport   = "transport"
	aNexthop     = "nexthop"
	aEncoding    = "encoding"
	aSMTPUTF8    = "smtputf8"
	aSender      = "sender"
	aEnvID       = "envelope_id"
	aRet         = "ret_flags"
	aArrival     = "arrival_time"
	aActive      = "active_time"
	aClientName  = "log_client_name"
	aClientAddr  = "log_client_address"
	aClientPort  = "log_client_port"
	aClientProto = "log_protocol_name"
	aClientHelo  = "log_helo_name"
	aSASLMethod  = "sasl_method"
	aSASLUser    = "sasl_username"
	aSASLSender  = "sasl_sender"
	aLogIdent    = "log_ident"
	aRwrContext  = "rewrite_context"
	aRcptCount   = "recipient_count"
	aRcptIndex   = "rcpt_index"
	aOrigRcpt    = "original_recipient"
	aRcpt        = "recipient"
	aOffset      = "offset"
	aORCPT       = "dsn_orig_rcpt"
	aNotify      = "notify_flags"
	aStatus      = "status"
	aRcptStatus  = "rcpt_status"
	aDSNStatus   = "dsn_status"
	aDSNAction   = "dsn_action"
	aReason      = "reason"
	aRelay       = "relay"
	aHopStatus   = "hop_status"
	aHopReason   = "hop_reason"
	aKeep        = "keep" // the agent reads another request on the connection (Postern)
)

// maxRecipients bounds a request (qmgr_message_recipient_limit's maximum).
const maxRecipients = 1 << 16

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// encodeRequest renders r as one attribute list.
func encodeRequest(r *Request) attr.List {
	var l attr.List
	l.Int(aFlags, int64(r.Flags))
	for _, kv := range [][2]string{{aQueue, r.QueueName}, {aQueueID, r.QueueID},
		{aQueueFile, r.QueueFile}, {aTransport, r.Transport}, {aNexthop, r.Nexthop},
		{aEncoding, r.Encoding}} {
		l.Str(kv[0], kv[1])
	}
	l.Int(aSMTPUTF8, boolInt(r.SMTPUTF8))
	l.Str(aSender, r.Sender)
	l.Str(aEnvID, r.DSNEnvID)
	l.Str(aRet, r.DSNRet)
	l.Int(aArrival, micros(r.ArrivalTime))
	l.Int(aActive, micros(r.ActiveTime))
	for _, kv := range [][2]string{{aClientName, r.ClientName}, {aClientAddr, r.ClientAddr},
		{aClientPort, r.ClientPort}, {aClientProto, r.ClientProto}, {aClientHelo, r.ClientHelo},
		{aSASLMethod, r.SASLMethod}, {aSASLUser, r.SASLUsername}, {aSASLSender, r.SASLSender},
		{aLogIdent, r.LogIdent}, {aRwrContext, r.RewriteContext}} {
		l.Str(kv[0], kv[1])
	}
	l.Int(aRcptCount, int64(len(r.Recipients)))
	for _, rc := range r.Recipients {
		l.Int(aRcptIndex, int64(rc.Index))
		l.Str(aOrigRcpt, rc.OrigAddress)
		l.Str(aRcpt, rc.Address)
		l.Int(aOffset, rc.Offset)
		l.Str(aORCPT, rc.ORCPT)
		l.Int(aNotify, int64(rc.Notify))
	}
	return l
}

// scanner reads an attribute list in order, strictly: each call names the
// attribute that must come next, as attr_scan with ATTR_FLAG_STRICT.
type scanner struct {
	l   attr.List
	pos int
	err error
}

func (s *scanner) str(name string) string {
	if s.err != nil {
		return ""
	}
	if s.pos >= len(s.l) {
		s.err = fmt.Errorf("missing attribute %s", name)
		return ""
	}
	a := s.l[s.pos]
	if a.Name != name {
		s.err = fmt.Errorf("unexpected attribute %s (expecting: %s)", a.Name, name)
		return ""
	}
	s.pos++
	return a.Value
}

func (s *scanner) num(name string) int64 {
	v := s.str(name)
	if s.err != nil {
		return 0
	}
	n, err := attr.ParseNumber(name, v)
	if err != nil {
		s.err = err
	}
	return n
}

// long reads a signed number (Postfix's ATTR_TYPE_LONG, "%ld"): the
// recipient offset is -1 for a recipient passed by another agent.
func (s *scanner) long(name string) int64 {
	v := s.str(name)
	if s.err != nil {
		return 0
	}
	digits, neg := v, false
	if len(v) > 0 && v[0] == '-' {
		digits, neg = v[1:], true
	}
	n, err := attr.ParseNumber(name, digits)
	if err != nil {
		s.err = fmt.Errorf("malformed numerical data while reading %s: %.100s", name, v)
	}
	if neg {
		return -n
	}
	return n
}

// has reports whether the next attribute is called name.
func (s *scanner) has(name string) bool {
	return s.err == nil && s.pos < len(s.l) && s.l[s.pos].Name == name
}

func (s *scanner) end() error {
	if s.err == nil && s.pos < len(s.l) {
		s.err = fmt.Errorf("unexpected attribute %s", s.l[s.pos].Name)
	}
	return s.err
}

func (s *scanner) count(name string) int {
	n := s.num(name)
	if s.err == nil && n > maxRecipients {
		s.err = fmt.Errorf("%s %d exceeds limit %d", name, n, maxRecipients)
	}
	return int(n)
}

// decodeRequest is the inverse of encodeRequest.
func decodeRequest(l attr.List) (*Request, error) {
	s := &scanner{l: l}
	r := &Request{Flags: Flags(s.num(aFlags))}
	for _, p := range []struct {
		name string
		dst  *string
	}{{aQueue, &r.QueueName}, {aQueueID, &r.QueueID}, {aQueueFile, &r.QueueFile},
		{aTransport, &r.Transport}, {aNexthop, &r.Nexthop}, {aEncoding, &r.Encoding}} {
		*p.dst = s.str(p.name)
	}
	r.SMTPUTF8 = s.num(aSMTPUTF8) != 0
	r.Sender = s.str(aSender)
	r.DSNEnvID = s.str(aEnvID)
	r.DSNRet = s.str(aRet)
	r.ArrivalTime = fromMicros(s.num(aArrival))
	r.ActiveTime = fromMicros(s.num(aActive))
	for _, p := range []struct {
		name string
		dst  *string
	}{{aClientName, &r.ClientName}, {aClientAddr, &r.ClientAddr}, {aClientPort, &r.ClientPort},
		{aClientProto, &r.ClientProto}, {aClientHelo, &r.ClientHelo}, {aSASLMethod, &r.SASLMethod},
		{aSASLUser, &r.SASLUsername}, {aSASLSender, &r.SASLSender}, {aLogIdent, &r.LogIdent},
		{aRwrContext, &r.RewriteContext}} {
		*p.dst = s.str(p.name)
	}
	n := s.count(aRcptCount)
	for i := 0; i < n && s.err == nil; i++ {
		var rc Recipient
		rc.Index = int(s.num(aRcptIndex))
		rc.OrigAddress = s.str(aOrigRcpt)
		rc.Address = s.str(aRcpt)
		rc.Offset = s.long(aOffset)
		rc.ORCPT = s.str(aORCPT)
		rc.Notify = int(s.num(aNotify))
		r.Recipients = append(r.Recipients, rc)
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	return r, nil
}

// encodeReply renders a reply.
func encodeReply(r *Reply) attr.List {
	var l attr.List
	l.Int(aStatus, boolInt(r.Pending()))
	l.Int(aRcptCount, int64(len(r.Results)))
	for _, res := range r.Results {
		l.Int(aRcptIndex, int64(res.Index))
		l.Str(aRcptStatus, res.Status.String())
		l.Str(aDSNStatus, res.DSN)
		l.Str(aDSNAction, res.Action)
		l.Str(aReason, res.Reason)
		l.Str(aRelay, res.Relay)
	}
	if r.HopStatus != "" {
		l.Str(aHopStatus, r.HopStatus)
		l.Str(aHopReason, r.HopReason)
	}
	if r.Keep {
		l.Int(aKeep, 1)
	}
	return l
}

// decodeReply is the inverse of encodeReply.
func decodeReply(l attr.List) (*Reply, error) {
	s := &scanner{l: l}
	s.num(aStatus)
	n := s.count(aRcptCount)
	r := &Reply{}
	for i := 0; i < n && s.err == nil; i++ {
		res := Result{Index: int(s.num(aRcptIndex))}
		st := s.str(aRcptStatus)
		if s.err == nil {
			var ok bool
			if res.Status, ok = parseStatus(st); !ok {
				s.err = fmt.Errorf("bad %s: %s", aRcptStatus, strconv.Quote(st))
			}
		}
		res.DSN = s.str(aDSNStatus)
		res.Action = s.str(aDSNAction)
		res.Reason = s.str(aReason)
		res.Relay = s.str(aRelay)
		r.Results = append(r.Results, res)
	}
	if s.has(aHopStatus) {
		r.HopStatus = s.str(aHopStatus)
		r.HopReason = s.str(aHopReason)
	}
	if s.has(aKeep) {
		r.Keep = s.num(aKeep) == 1
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	return r, nil
}
