package local

import (
	"path/filepath"
	"strings"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// bounceWorkaround records a failed delivery to a command or file, or a
// mail forwarding loop (bounce_workaround.c). When the recipient has an
// owner- alias, the owner is the one to tell: a permanent failure is
// sent to the owner at once in a notice of its own (bounce_one()), since
// the message's bounce log goes to its envelope sender; a temporary one
// is a normal deferral.
func (s state) bounceWorkaround(dsn deliver.DSN) result {
	a := s.job.a
	if a.p.ownerRequest {
		owner, alias, found, err := s.findOwner()
		if err != nil {
			return s.deferTo("4.3.0", "alias database unavailable")
		}
		if found {
			if a.p.expandOwner {
				alias = owner
			}
			canon := a.canonInternal(alias)
			s.msg.sender, s.msg.owner = canon, some(canon)
			if !strings.HasPrefix(dsn.Status, "4") {
				return s.bounceOne(dsn)
			}
		}
	}
	return s.fail(dsn)
}

// findOwner looks up owner-LOCALPART, then owner-USER without the
// address extension; it returns the owner alias's value and name.
func (s *state) findOwner() (rhs, alias string, found bool, err error) {
	a := s.job.a
	local := s.msg.rcpt.address
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	alias = "owner-" + local
	rhs, found, err = a.aliases.all.Find(alias, false)
	if err != nil || found || a.p.rcptDelim == "" {
		return rhs, alias, found, err
	}
	if user, _, ok := splitAddr(local, a.p); ok {
		alias = "owner-" + user
		rhs, found, err = a.aliases.all.Find(alias, false)
	}
	return rhs, alias, found, err
}

// bounceOne sends a non-delivery notice for the current destination to
// the current sender (the owner) and logs the bounce; nothing goes to
// the bounce log. With soft_bounce, or for an address probe, it is an
// ordinary bounce record. A notice that cannot be sent defers.
func (s *state) bounceOne(dsn deliver.DSN) result {
	j := s.job
	a, d := j.a, j.d
	if a.env.SoftBounce || d.Verify() {
		return s.record(deliver.Bounced, dsn)
	}
	env := d.File.Envelope
	orig := &bounce.Original{QueueName: d.Req.QueueName, Path: d.File.Path, Envelope: &env,
		NotifyTo: s.msg.sender}
	r := s.msg.rcpt
	rec := queue.LogRecord{Recipient: r.address, OrigRcpt: r.origAddr, Offset: d.Req.Recipients[j.idx].Offset,
		DSNOrcpt: r.orcpt, Notify: r.notify, Status: dsn.Status, Action: "failed", Reason: dsn.Reason,
		DiagType: dsn.DiagType, DiagText: dsn.DiagText}
	svc := bounce.New(a.bounceSet, &cleanupPoster{a: a}, bounceLog{a}, nil)
	if err := svc.Notify(bounce.Failure, orig, []queue.LogRecord{rec}); err != nil {
		return s.deferTo("4.3.0", "bounce or trace service failure")
	}
	st := d.Stats
	st.Done = a.now()
	dsn.Action = "failed"
	a.info("%s", deliver.LogLine(d.Req.QueueID, st, s.as(), s.msg.relay, dsn, "bounced", a.env.DelayRes, st.Done))
	j.bounced = true
	return ok
}

// bounceLog logs for the bounce service.
type bounceLog struct{ a *Agent }

func (l bounceLog) Info(f string, args ...any) { l.a.info(f, args...) }
func (l bounceLog) Warn(f string, args ...any) { l.a.warn(f, args...) }

// cleanupPoster queues notices through the cleanup service, as
// Postfix's bounce daemon does (post_mail_fopen()).
type cleanupPoster struct{ a *Agent }

func (p *cleanupPoster) Open(sender, recipient string) (bounce.Draft, error) {
	a := p.a
	cl, err := cleanup.Dial(filepath.Join(a.queueDir, "public", a.p.cleanupService), a.p.ipcTimeout)
	if err != nil {
		return nil, err
	}
	m, err := cl.Begin(cleanup.Meta{Origin: "bounce", LocalUID: -1})
	if err == nil {
		err = m.SetSender(sender, "", "")
	}
	if err == nil {
		err = m.AddRecipient(recipient, "", "")
	}
	if err != nil {
		cl.Close()
		return nil, err
	}
	return &cleanupDraft{cl: cl, m: m}, nil
}

type cleanupDraft struct {
	cl *cleanup.Client
	m  *cleanup.RemoteMessage
}

func (d *cleanupDraft) ID() string                  { return d.m.QueueID() }
func (d *cleanupDraft) Write(p []byte) (int, error) { return d.m.Write(p) }
func (d *cleanupDraft) Abort()                      { d.m.Abort(); d.cl.Close() }

func (d *cleanupDraft) Commit() error {
	defer d.cl.Close()
	_, err := d.m.Commit()
	return err
}

// passed turns another agent's outcome into a result.
func (s *state) passed(st deliver.Status) result {
	switch st {
	case deliver.Sent:
		s.job.sent = true
	case deliver.Bounced:
		s.job.bounced = true
	default:
		// The other agent logged and recorded the deferral; qmgr only
		// needs to know that the recipient is still pending.
		return retry
	}
	return ok
}
