package cleanup

import (
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/queue"
)

// outRecipient expands a rewritten recipient through virtual_alias_maps
// and writes each result not seen before (cleanup_out_recipient()).
func (m *Message) outRecipient(orcpt string, notify int, orig, rcpt string) {
	c := m.c
	list := []string{rcpt}
	if c.virtual != nil && c.virtual.Len() > 0 {
		list = m.map1n(c.virtual, rcpt)
		// RFC 3461 option (b): a SUCCESS notification is sent for the
		// expansion ("expanded") and not propagated.
		if notify&queue.NotifySuccess != 0 && (len(list) > 1 || list[0] != rcpt) {
			m.trace = append(m.trace, queue.LogRecord{
				Recipient: rcpt, OrigRcpt: orig, DSNOrcpt: orcpt, Notify: notify,
				Status: "2.0.0", Action: "expanded", Reason: "alias expanded",
			})
			if notify == queue.NotifySuccess {
				notify = queue.NotifyNever
			} else {
				notify &^= queue.NotifySuccess
			}
		}
	}
	for _, a := range list {
		key := strings.ToLower(a)
		if c.p.enableOrigRcpt {
			key = strings.ToLower(orcpt + "\n" + strconv.Itoa(notify) + "\n" + orig + "\n" + a)
		}
		if m.seen[key] {
			continue
		}
		// Past duplicate_filter_limit entries (0: none) duplicates are
		// no longer dropped (been_here_init()).
		if lim := c.p.dupFilterLimit; lim == 0 || len(m.seen) < lim {
			m.seen[key] = true
		}
		m.addRcpt(queue.Recipient{Address: a, Orig: orig, ORCPT: orcpt, Notify: notify})
		m.nrcpt++
	}
}
