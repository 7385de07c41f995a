package cleanup

import (
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/queue"
)

// Automatic BCC recipients (postconf(5) always_bcc, sender_bcc_maps,
// recipient_bcc_maps): added for mail from outside only, never for
// notices cleanup's callers generate themselves (CLEANUP_FLAG_BCC_OK is
// not in CLEANUP_FLAG_MASK_INTERNAL), and not with
// receive_override_options = no_address_mappings.

// internalOrigins are the Meta.Origin values of mail Postfix posts with
// CLEANUP_FLAG_MASK_INTERNAL (post_mail.c, local forwarding).
var internalOrigins = map[string]bool{"bounce": true, "notify": true, "forward": true, "verify": true}

// bccOK reports whether automatic BCC recipients apply to m.
func (m *Message) bccOK() bool {
	return !m.c.p.noAddressMappings && !internalOrigins[m.meta.Origin]
}

// bccLookup adds the BCC recipient that maps gives for addr, if any
// (mail_addr_find_to_internal() with the default search order).
func (m *Message) bccLookup(maps *dict.Maps, addr string) {
	if maps == nil || maps.Len() == 0 || addr == "" || !m.bccOK() {
		return
	}
	r, ok, err := maps.FindAddr(addr, m.c.addrParams, dict.FindDefault)
	if err != nil {
		m.c.logf("warning", "%s: %s map lookup problem -- message not accepted, try again later", m.id, maps.Title)
		m.fail(errWrite(err))
		return
	}
	if ok {
		m.addBcc(internalize(r.Value))
	}
}

// addBcc adds one automatic BCC recipient: canonicalized, recipient
// canonical maps, virtual aliases, no DSN notifications
// (cleanup_addr_bcc_dsn() with NO_DSN_NOTIFY).
func (m *Message) addBcc(bcc string) {
	c := m.c
	clean := c.rewrite(bcc, c.localContext())
	if c.p.rcptClasses&envRecipient != 0 {
		clean = m.map11(c.rcptCanon, clean)
	}
	if c.p.canonClasses&envRecipient != 0 {
		clean = m.map11(c.canonical, clean)
	}
	m.outRecipient("", queue.NotifyNever, clean, clean)
}

// alwaysBcc adds $always_bcc at the end of a message that has recipients.
func (m *Message) alwaysBcc() {
	if m.c.p.alwaysBcc != "" && m.nrcpt > 0 && m.bccOK() {
		m.addBcc(m.c.p.alwaysBcc)
	}
}
