package bounce

import (
	"github.com/postern/postern/pkg/cleanup"
)

// CleanupPoster queues notices through the cleanup library, as Postfix's
// post_mail_fopen() hands them to the cleanup service: cleanup adds the
// Received:, Message-Id: and Date: headers and wakes the queue manager.
type CleanupPoster struct {
	C *cleanup.Cleanup
}

// Open starts a notice from sender to recipient.
func (p *CleanupPoster) Open(sender, recipient string) (Draft, error) {
	m, err := p.C.Begin(cleanup.Meta{Origin: "bounce", LocalUID: -1})
	if err != nil {
		return nil, err
	}
	if err := m.SetSender(sender, "", ""); err != nil {
		m.Abort()
		return nil, err
	}
	if err := m.AddRecipient(recipient, "", ""); err != nil {
		m.Abort()
		return nil, err
	}
	return &cleanupDraft{m: m}, nil
}

type cleanupDraft struct{ m *cleanup.Message }

func (d *cleanupDraft) ID() string                  { return d.m.QueueID() }
func (d *cleanupDraft) Write(p []byte) (int, error) { return d.m.Write(p) }
func (d *cleanupDraft) Abort()                      { d.m.Abort() }

func (d *cleanupDraft) Commit() error {
	_, err := d.m.Commit()
	return err
}
