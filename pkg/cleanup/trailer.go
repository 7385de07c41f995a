package cleanup

import "github.com/postern/postern/pkg/queue"

// Records that arrive while the content streams: the access(5) FILTER,
// REDIRECT and BCC actions of smtpd_end_of_data_restrictions, which
// Postfix's smtpd sends after the content as extracted records
// (smtpd.c, cleanup_extracted.c). The queue file takes attributes and
// recipients in its trailer, after the end of the content, so they wait
// until Commit ends the content. Recipients are rewritten and counted
// when they arrive.

// lateRecord is an attribute or, with rcpt set, a recipient.
type lateRecord struct {
	name, value string
	rcpt        *queue.Recipient
}

// inContent reports whether the content has started and not ended.
func (m *Message) inContent() bool { return m.body != nil && !m.trailer }

// addAttr writes an attribute record now or in the trailer.
func (m *Message) addAttr(name, value string) {
	if m.inContent() {
		m.late = append(m.late, lateRecord{name: name, value: value})
		return
	}
	m.writeErr(m.w.AddAttr(name, value))
}

// addRcpt writes a recipient record now or in the trailer.
func (m *Message) addRcpt(r queue.Recipient) {
	if m.inContent() {
		m.late = append(m.late, lateRecord{rcpt: &r})
		return
	}
	m.writeErr(m.w.AddRecipient(r))
}

// writeLate ends the content for addAttr and addRcpt and writes the
// records that waited (finishContent).
func (m *Message) writeLate() {
	m.trailer = true
	for _, l := range m.late {
		if m.failed != nil {
			break
		}
		if l.rcpt != nil {
			m.writeErr(m.w.AddRecipient(*l.rcpt))
		} else {
			m.writeErr(m.w.AddAttr(l.name, l.value))
		}
	}
	m.late = nil
}
