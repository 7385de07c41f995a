package pickup

import (
	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// bounceMessage returns a message that cleanup refused for good (too
// big, too many hops) to its sender, as Postfix's cleanup does for
// pickup (CLEANUP_FLAG_BOUNCE, cleanup_bounce.c): each recipient is
// logged as bounced under the queue ID cleanup had given the message,
// and a non-delivery notice quotes the maildrop file. It reports whether
// the maildrop file may go; if the notice cannot be queued, the file
// stays for the next scan.
func (s *Service) bounceMessage(mf *maildropFile, id string, e *smtperr.Error) bool {
	reason := trimError(e.Text)
	env := *mf.env
	env.ID = id
	var recs []queue.LogRecord
	now := s.now()
	st := deliver.Stats{Arrival: s.arrival}
	for _, i := range env.Pending() {
		r := env.Recipients[i]
		recs = append(recs, queue.LogRecord{Recipient: r.Address, DSNOrcpt: r.ORCPT, Notify: r.Notify,
			Status: e.Enhanced, Action: "failed", Reason: reason})
		s.log.Info("%s", deliver.LogLine(id, st, deliver.Recipient{Address: r.Address}, "none",
			deliver.DSN{Status: e.Enhanced, Reason: reason}, "bounced", s.res, now))
	}
	orig := &bounce.Original{QueueName: queue.Maildrop, Path: mf.entry.Path, Envelope: &env}
	if err := s.bounce.Notify(bounce.Failure, orig, recs); err != nil {
		return false
	}
	return true
}

// trimError turns cleanup's SMTP text ("Error: message file too big")
// into the cleanup_strerror() text the logs and notices show.
func trimError(text string) string {
	const p = "Error: "
	if len(text) > len(p) && text[:len(p)] == p {
		return text[len(p):]
	}
	return text
}
