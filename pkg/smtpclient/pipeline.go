package smtpclient

import (
	"context"
)

// xferPipelined runs the transaction with command pipelining (RFC 2920;
// smtp_proto.c smtp_loop): MAIL FROM, every RCPT TO and DATA go out in
// one write (RSET instead of DATA for an address probe; an RSET probe
// of a reused session in front), then the
// replies are read in order. A rejected MAIL FROM makes the RCPT TO
// replies meaningless; a rejected DATA after accepted recipients fails
// the message; a 354 without an accepted recipient gets a bare dot (RFC
// 2197). As in Postfix, a transaction that cannot send the message ends
// with RSET. It returns false when the session is unusable.
func (a *attempt) xferPipelined(ctx context.Context, s *session, rcpts []int) bool {
	t := a.cfg.Timeouts
	probe := s.probeNext
	s.probeNext = false
	if probe {
		s.queue("RSET")
	}
	s.queue("%s", a.mailCommand(s))
	for _, i := range rcpts {
		s.queue("%s", a.rcptCommand(s, i))
	}
	verify := a.d.Verify()
	if verify {
		s.queue("RSET")
	} else {
		s.queue("DATA")
	}
	where := whereMail
	if probe {
		where = whereProbe
	}
	if f := s.flush(t.Mail, where); f != nil {
		if probe {
			s.probeResult(nil, f)
			a.probeFailed = true
			return false
		}
		a.bulkFail(s, f)
		return false
	}
	if probe && !s.probeResult(s.reply(t.Rset, whereProbe)) {
		// Nothing of this transaction counts: the session is closed
		// without reading further, so that a DATA the server may have
		// accepted is never ended with a dot.
		a.probeFailed = true
		return false
	}
	mailRejected, accepted, replies, ok := a.pipelinedReplies(s, rcpts)
	if !ok {
		return false
	}
	if verify {
		r, f := s.reply(t.Rset, whereRset)
		if f != nil {
			a.bulkFail(s, f)
			return false
		}
		for k, i := range accepted {
			a.rcptDone(s, []int{i}, replies[k])
		}
		return r.Class() == 2
	}
	r, f := s.reply(t.DataInit, whereData)
	if f != nil {
		a.bulkFail(s, f)
		return false
	}
	switch {
	case r.Class() != 3:
		if len(accepted) > 0 {
			a.mesgFail(s, s.remoteDSN(r, "%s", s.said(r, "DATA command")))
		}
		return s.rset()
	case mailRejected || len(accepted) == 0:
		return s.bareDot()
	}
	return a.message(s, accepted)
}

// pipelinedReplies reads the replies to MAIL FROM and each RCPT TO; ok
// is false when the session broke.
func (a *attempt) pipelinedReplies(s *session, rcpts []int) (mailRejected bool, accepted []int, replies []*Reply, ok bool) {
	t := a.cfg.Timeouts
	r, f := s.reply(t.Mail, whereMail)
	if f != nil {
		a.bulkFail(s, f)
		return false, nil, nil, false
	}
	if r.Class() != 2 {
		mailRejected = true
		a.mesgFail(s, s.remoteDSN(r, "%s", s.said(r, "MAIL FROM command")))
	}
	for _, i := range rcpts {
		r, f := s.reply(t.Rcpt, whereRcpt)
		if f != nil {
			a.bulkFail(s, f)
			return false, nil, nil, false
		}
		switch {
		case mailRejected:
		case r.Class() == 2:
			accepted = append(accepted, i)
			replies = append(replies, r)
		default:
			a.rcptFail(s, i, s.remoteDSN(r, "%s", s.said(r, "RCPT TO command")))
		}
	}
	return mailRejected, accepted, replies, true
}

// bareDot ends a DATA that the server accepted although no recipient
// was: an empty message, whose reply does not matter (RFC 2197).
func (s *session) bareDot() bool {
	t := s.a.cfg.Timeouts
	if s.command(t.DataDone, whereDot, ".") != nil {
		return false
	}
	_, f := s.reply(t.DataDone, whereDot)
	return f == nil
}
