package smtpclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// Where-texts of stream errors and in-reply-to texts (smtp_proto.c
// xfer_states and xfer_request).
const (
	whereMail  = "sending MAIL FROM"
	whereRcpt  = "sending RCPT TO"
	whereData  = "sending DATA command"
	whereBody  = "sending message body"
	whereDot   = "sending end of data -- message may be sent more than once"
	whereRset  = "sending final RSET"
	whereProbe = "sending RSET probe"
)

// said formats a negative reply as Postfix reports it.
func (s *session) said(r *Reply, command string) string {
	return fmt.Sprintf("host %s said: %s (in reply to %s)", s.namaddr, r.Line(), command)
}

// xfer runs one mail transaction (smtp_xfer) for the recipients left,
// pipelined when the server offers PIPELINING (pipeline.go). It returns
// false when the session is unusable.
func (a *attempt) xfer(ctx context.Context, s *session) bool {
	t := a.cfg.Timeouts
	rcpts := a.left()
	if len(rcpts) == 0 {
		return true
	}
	if a.tooBig(s) {
		return false
	}
	a.d.Stats.ReuseCount = s.reuse
	a.d.Stats.ConnSetup = time.Now()
	if s.feat.pipelining {
		return a.xferPipelined(ctx, s, rcpts)
	}
	r, f := s.chat(t.Mail, whereMail, "%s", a.mailCommand(s))
	if f != nil {
		a.bulkFail(s, f)
		return false
	}
	if r.Class() != 2 {
		a.mesgFail(s, s.remoteDSN(r, "%s", s.said(r, "MAIL FROM command")))
		return true
	}
	accepted, replies, ok := a.recipients(s, rcpts)
	if !ok {
		return false
	}
	if a.d.Verify() {
		for k, i := range accepted {
			a.rcptDone(s, []int{i}, replies[k])
		}
		return s.rset()
	}
	if len(accepted) == 0 {
		return s.rset()
	}
	return a.data(ctx, s, accepted)
}

// recipients sends one RCPT TO per recipient and returns those accepted
// with their replies; ok is false when the session broke.
func (a *attempt) recipients(s *session, rcpts []int) (accepted []int, replies []*Reply, ok bool) {
	for _, i := range rcpts {
		r, f := s.chat(a.cfg.Timeouts.Rcpt, whereRcpt, "%s", a.rcptCommand(s, i))
		if f != nil {
			a.bulkFail(s, f)
			return nil, nil, false
		}
		if r.Class() == 2 {
			accepted = append(accepted, i)
			replies = append(replies, r)
			continue
		}
		a.rcptFail(s, i, s.remoteDSN(r, "%s", s.said(r, "RCPT TO command")))
	}
	return accepted, replies, true
}

// data sends DATA, the message and the final dot, and reads the reply
// (SMTP) or one reply per accepted recipient (LMTP, RFC 2033 4.2).
func (a *attempt) data(ctx context.Context, s *session, accepted []int) bool {
	t := a.cfg.Timeouts
	r, f := s.chat(t.DataInit, whereData, "DATA")
	if f != nil {
		a.bulkFail(s, f)
		return false
	}
	if r.Class() != 3 {
		a.mesgFail(s, s.remoteDSN(r, "%s", s.said(r, "DATA command")))
		return s.rset()
	}
	return a.message(s, accepted)
}

// message sends the content and the final dot after a 354 reply, and
// reads the end-of-data reply or replies.
func (a *attempt) message(s *session, accepted []int) bool {
	t := a.cfg.Timeouts
	if f := a.sendContent(s); f != nil {
		a.bulkFail(s, f)
		return false
	}
	if f := s.command(t.DataDone, whereDot, "."); f != nil {
		a.bulkFail(s, f)
		return false
	}
	if a.cfg.LMTP {
		return a.lmtpReplies(s, accepted)
	}
	r, f := s.reply(t.DataDone, whereDot)
	if f != nil {
		a.bulkFail(s, f)
		return false
	}
	a.d.Stats.Done = time.Now()
	if r.Class() != 2 {
		a.mesgFail(s, s.remoteDSN(r, "%s", s.said(r, "end of DATA command")))
		return true
	}
	a.rcptDone(s, accepted, r)
	return true
}

// lmtpReplies reads one end-of-data reply per accepted recipient, in RCPT
// order, and reports each as it arrives.
func (a *attempt) lmtpReplies(s *session, accepted []int) bool {
	for _, i := range accepted {
		r, f := s.reply(a.cfg.Timeouts.DataDone, whereDot)
		if f != nil {
			a.bulkFail(s, f)
			return false
		}
		a.d.Stats.Done = time.Now()
		if r.Class() == 2 {
			a.rcptDone(s, []int{i}, r)
		} else {
			a.rcptFail(s, i, s.remoteDSN(r, "%s", s.said(r, "end of DATA command")))
		}
	}
	return true
}

// rset ends a transaction that did not send mail; the session stays
// usable if the server answers.
func (s *session) rset() bool {
	r, f := s.chat(s.a.cfg.Timeouts.Rset, whereRset, "RSET")
	return f == nil && r.Class() == 2
}

// mailCommand builds MAIL FROM with SIZE, BODY, DSN and SMTPUTF8.
func (a *attempt) mailCommand(s *session) string {
	req := a.d.Req
	var b strings.Builder
	fmt.Fprintf(&b, "MAIL FROM:<%s>", quote821(a.generic(req.Sender)))
	if s.feat.size && a.d.File != nil {
		fmt.Fprintf(&b, " SIZE=%d", a.d.File.MessageSize)
	}
	if s.feat.eightbitmime {
		switch strings.ToLower(req.Encoding) {
		case "8bit", "8bitmime":
			b.WriteString(" BODY=8BITMIME")
		case "7bit":
			b.WriteString(" BODY=7BIT")
		}
	}
	if s.feat.dsn {
		if req.DSNEnvID != "" {
			b.WriteString(" ENVID=" + xtext(req.DSNEnvID, "+="))
		}
		if req.DSNRet != "" {
			b.WriteString(" RET=" + strings.ToUpper(req.DSNRet))
		}
	}
	if s.feat.smtputf8 && req.SMTPUTF8 {
		b.WriteString(" SMTPUTF8")
	}
	return b.String()
}

// rcptCommand builds RCPT TO with the DSN ORCPT and NOTIFY parameters.
func (a *attempt) rcptCommand(s *session, i int) string {
	rc := a.d.Req.Recipients[i]
	var b strings.Builder
	fmt.Fprintf(&b, "RCPT TO:<%s>", quote821(a.generic(rc.Address)))
	if s.feat.dsn {
		orcpt := rc.ORCPT
		if orcpt == "" && rc.OrigAddress != "" {
			orcpt = "rfc822;" + addr.QuoteLocal(rc.OrigAddress) // smtp_proto.c: quote_822_local
		}
		if orcpt != "" {
			b.WriteString(" ORCPT=" + xtext(orcpt, "="))
		}
		if rc.Notify != 0 {
			b.WriteString(" NOTIFY=" + queue.FormatNotify(rc.Notify))
		}
	}
	return b.String()
}

// tooBig fails the transaction, before MAIL FROM, when the message is
// larger than the server's EHLO SIZE limit (RFC 1870 6; smtp_proto.c
// smtp_xfer). Postfix then closes the session without QUIT (smtp_xfer
// returns before its QUIT state; the session is only kept when
// connection caching is on). The size is Postfix's
// (queue.Envelope.MessageSize), as announced with SIZE=.
func (a *attempt) tooBig(s *session) bool {
	if s.sizeLimit <= 0 || a.d.File == nil || a.d.File.MessageSize <= s.sizeLimit {
		return false
	}
	a.mesgFail(s, deliver.Simple("5.3.4", fmt.Sprintf("message size %d exceeds size limit %d of server %s",
		a.d.File.MessageSize, s.sizeLimit, s.namaddr)))
	return true
}
