package pickup

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// feed passes one maildrop file to cleanup (pickup_copy()) and reports
// whether the maildrop file may be removed: cleanup's Commit returned
// (the message is durable in the incoming queue), or the message was
// returned to its sender or discarded.
func (s *Service) feed(mf *maildropFile) bool {
	env := mf.env
	uid := int(mf.st.Uid)
	var warn string
	s.arrival, warn = s.checkTime(env.Arrival)
	m, err := s.clean.Begin(cleanup.Meta{
		Origin: "pickup", LocalUID: uid, Arrival: s.arrival,
		FullName:       env.Attr(queue.AttrFullName),
		RewriteContext: rewriteContext(env.Attr(queue.AttrRewrite)),
	})
	if err != nil {
		return false // cleanup logged why; the file waits for the next scan
	}
	if warn != "" {
		s.log.Warn("%s: %s", m.QueueID(), warn)
	}
	// Logged before cleanup sees the envelope, so that its records
	// (e.g. a table's lookup problem) follow this line as in Postfix's
	// log, where cleanup reads the envelope once pickup has flushed it.
	if s.requeued(mf) {
		s.log.Info("%s: uid=%d from=<%s> orig_id=%s", m.QueueID(), uid, env.Sender, mf.entry.ID)
	} else {
		s.log.Info("%s: uid=%d from=<%s>", m.QueueID(), uid, env.Sender)
	}
	s.envelope(m, mf)
	if err := s.content(m, mf); err != nil {
		s.log.Warn("%s: read %s: %v", m.QueueID(), mf.rel, err)
		m.Abort()
		return false
	}
	if _, err := m.Commit(); err != nil {
		return s.refused(mf, m.QueueID(), err)
	}
	return true
}

// envelope copies sender, attributes and pending recipients.
func (s *Service) envelope(m *cleanup.Message, mf *maildropFile) {
	env := mf.env
	// Attributes of a maildrop file that go on to the queue file.
	for _, name := range []string{queue.AttrEncoding, queue.AttrTraceFlags} {
		if v := env.Attr(name); v != "" {
			m.SetAttr(name, v)
		}
	}
	m.SetSender(env.Sender, env.Attr(queue.AttrDSNRet), env.Attr(queue.AttrDSNEnvID))
	for _, i := range env.Pending() {
		r := env.Recipients[i]
		m.AddRecipient(r.Address, r.ORCPT, queue.FormatNotify(r.Notify))
	}
}

// content copies the message content. Content that starts with white
// space gets an empty line first, so that it is not taken as part of
// the Received: header cleanup puts in front (pickup.c's kluge).
func (s *Service) content(m *cleanup.Message, mf *maildropFile) error {
	sr := io.NewSectionReader(mf.f, mf.env.ContentOff, mf.env.ContentSize)
	br := bufio.NewReaderSize(sr, 64<<10)
	if b, err := br.Peek(1); err == nil && (b[0] == ' ' || b[0] == '\t') {
		m.Write([]byte("\n"))
	}
	_, err := io.Copy(m, br)
	return err
}

// refused handles a Commit failure: temporary ones keep the file; a
// message without recipients is discarded; other permanent ones are
// returned to the sender.
func (s *Service) refused(mf *maildropFile, id string, err error) bool {
	e, ok := smtperr.As(err)
	if !ok {
		s.log.Warn("%s: error writing %s: %v", mf.rel, id, err)
		return false
	}
	if e.Temporary() { // cleanup_service_error_reason(): cleanup_strerror()
		s.log.Warn("%s: error writing %s: %s", mf.rel, id, trimError(e.Text))
		return false
	}
	if e.Enhanced == "5.1.0" { // no recipients: nothing to deliver
		s.log.Warn("%s: error writing %s: %s", mf.rel, id, e.Text)
		return true
	}
	return s.bounceMessage(mf, id, e)
}

// checkTime protects against time-warped arrival times (pickup_copy()):
// the arrival time to use and the warning to log, if any.
func (s *Service) checkTime(arrival time.Time) (time.Time, string) {
	now := s.now()
	switch {
	case arrival.After(now.Add(2 * time.Hour)):
		return now, fmt.Sprintf("message dated %d seconds into the future", int64(arrival.Sub(now)/time.Second))
	case arrival.Before(now.Add(-24 * time.Hour)):
		return arrival, fmt.Sprintf("message has been queued for %d days", int64(now.Sub(arrival)/(24*time.Hour)))
	}
	return arrival, ""
}

// requeued reports whether the file came from postsuper -r: owned by
// $mail_owner and not readable by others (MAIL_IS_REQUEUED).
func (s *Service) requeued(mf *maildropFile) bool {
	return s.owner >= 0 && int(mf.st.Uid) == s.owner && mf.st.Mode&0o004 == 0
}

func rewriteContext(v string) string {
	if v == "remote" {
		return "remote"
	}
	return "local"
}
