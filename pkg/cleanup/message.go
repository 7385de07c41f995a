package cleanup

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/queue"
)

// Message is one message being received. Its methods are called from one
// goroutine, in the order SetSender, AddRecipient..., Write..., Commit
// (or Abort at any time); SetAttr and AddRecipient may also come after
// Write (trailer.go).
type Message struct {
	c          *Cleanup
	meta       Meta
	w          *queue.Writer
	id         string
	failed     *failure
	closed     bool
	senderSet  bool
	sender     string // after rewriting ("" = null sender)
	nrcpt      int    // recipients written
	rcptGiven  int    // AddRecipient calls
	firstRcpt  string // first recipient as given (Received: ... for <>)
	seen       map[string]bool
	trace      []queue.LogRecord
	hold       bool
	discard    bool
	prepend    []string
	hdrContext rwContext // header address rewriting context
	hdrRewrite bool      // whether headers are rewritten / completed
	body       *content
	late       []lateRecord // records waiting for the trailer (trailer.go)
	trailer    bool         // the content has ended
}

// QueueID returns the message's queue ID, fixed at Begin.
func (m *Message) QueueID() string { return m.id }

// writeMeta records Meta as queue file attributes.
func (m *Message) writeMeta() {
	mt := m.meta
	attrs := [][2]string{
		{queue.AttrClientName, mt.ClientName}, {queue.AttrClientAddr, mt.ClientAddr},
		{queue.AttrClientPort, mt.ClientPort}, {queue.AttrHelo, mt.Helo},
		{queue.AttrProtocol, mt.Protocol}, {queue.AttrSASLMethod, mt.SASLMethod},
		{queue.AttrSASLUser, mt.SASLUser}, {queue.AttrSASLSender, mt.SASLSender},
		{queue.AttrOrigin, mt.Origin}, {queue.AttrFullName, mt.FullName},
		{queue.AttrLogIdent, mt.LogIdent}, {queue.AttrFilter, m.c.p.contentFilter},
	}
	ctx := "local"
	if mt.RewriteContext == "remote" {
		ctx = "remote"
	}
	attrs = append(attrs, [2]string{queue.AttrRewrite, ctx})
	if (mt.Origin == "pickup" || mt.Origin == "sendmail") && mt.LocalUID >= 0 {
		attrs = append(attrs, [2]string{queue.AttrLocalUID, strconv.Itoa(mt.LocalUID)})
	}
	for _, a := range attrs {
		if a[1] != "" {
			m.writeErr(m.w.AddAttr(a[0], a[1]))
		}
	}
}

// writeErr records a queue file write error.
func (m *Message) writeErr(err error) {
	if err != nil && m.failed == nil {
		m.c.logf("warning", "%s: %v", m.id, err)
	}
	if err != nil {
		m.fail(errWrite(err))
	}
}

// SetAttr records an extra attribute (queue.AttrEncoding for BODY=,
// queue.AttrSMTPUTF8, ...), before or after the content; one that
// comes after goes to the queue file's trailer and overrides an
// earlier value (an access(5) FILTER of smtpd_end_of_data_restrictions
// overrides content_filter).
func (m *Message) SetAttr(name, value string) error {
	if err := m.check(); err != nil {
		return err
	}
	m.addAttr(name, value)
	return nil
}

// SetSender records the envelope sender ("" = null sender) with the DSN
// RET (FULL, HDRS or "") and ENVID (xtext-decoded) of MAIL FROM. The
// address is canonicalized (@$myorigin, .$mydomain), MAILER-DAEMON@$myorigin
// becomes the null sender, and sender_canonical_maps and canonical_maps
// apply (cleanup_addr_sender()).
func (m *Message) SetSender(addr, ret, envid string) error {
	if err := m.check(); err != nil {
		return err
	}
	if m.senderSet || m.body != nil {
		return fmt.Errorf("cleanup: %s: sender after recipients or content", m.id)
	}
	ret = strings.ToUpper(ret)
	if ret != "" && ret != "FULL" && ret != "HDRS" {
		return fmt.Errorf("cleanup: %s: bad DSN RET value %q", m.id, ret)
	}
	m.senderSet = true
	m.sender = m.canonSender(addr)
	m.writeErr(m.w.SetSender(m.sender))
	m.bccLookup(m.c.senderBcc, m.sender)
	if ret != "" {
		m.writeErr(m.w.AddAttr(queue.AttrDSNRet, ret))
	}
	if envid != "" {
		m.writeErr(m.w.AddAttr(queue.AttrDSNEnvID, envid))
	}
	return nil
}

// canonSender rewrites an envelope sender.
func (m *Message) canonSender(addr string) string {
	c := m.c
	clean := c.rewrite(addr, c.localContext())
	if len(clean) > len("MAILER-DAEMON@") && strings.EqualFold(clean[:len("MAILER-DAEMON@")], "MAILER-DAEMON@") &&
		strings.EqualFold(clean, c.rewrite("MAILER-DAEMON", c.localContext())) {
		clean = ""
	}
	if clean == "" {
		return ""
	}
	if c.p.senderClasses&envSender != 0 {
		clean = m.map11(c.sendCanon, clean)
	}
	if c.p.canonClasses&envSender != 0 {
		clean = m.map11(c.canonical, clean)
	}
	return clean
}

// AddRecipient adds an envelope recipient as given in RCPT TO, with the
// DSN ORCPT ("rfc822;addr", xtext-decoded) and NOTIFY ("" or e.g.
// "SUCCESS,FAILURE") parameters. The address is canonicalized, then
// recipient_canonical_maps, canonical_maps and virtual_alias_maps apply,
// and duplicates are dropped (cleanup_addr_recipient(),
// cleanup_out_recipient()). Only bad NOTIFY syntax or misuse is an error
// here; mapping trouble is reported by Commit.
func (m *Message) AddRecipient(addr, orcpt, notify string) error {
	return m.AddRecipientOrig(addr, "", orcpt, notify)
}

// AddRecipientOrig is AddRecipient with the original recipient to record
// (enable_original_recipient), as a REC_TYPE_ORCP record before the
// recipient gives it to Postfix's cleanup: local(8) forwarding keeps the
// original message's original recipient so the new message's deliveries
// log orig_to=. An empty orig means addr itself, as in AddRecipient.
func (m *Message) AddRecipientOrig(addr, orig, orcpt, notify string) error {
	if err := m.check(); err != nil {
		return err
	}
	mask, ok := queue.ParseNotify(notify)
	if !ok {
		return fmt.Errorf("cleanup: %s: bad DSN NOTIFY value %q", m.id, notify)
	}
	if m.rcptGiven == 0 {
		m.firstRcpt = addr
	}
	m.rcptGiven++
	c := m.c
	raw := addr
	if raw == "" {
		raw = c.p.emptyAddrRcpt
	}
	clean := c.rewrite(raw, c.localContext())
	if c.p.rcptClasses&envRecipient != 0 {
		clean = m.map11(c.rcptCanon, clean)
	}
	if c.p.canonClasses&envRecipient != 0 {
		clean = m.map11(c.canonical, clean)
	}
	if orcpt == "" && clean != "" {
		orcpt = "rfc822;" + clean
	}
	if !c.p.enableOrigRcpt {
		orig = ""
	} else if orig == "" {
		orig = addr
	}
	m.outRecipient(orcpt, mask, orig, clean)
	m.bccLookup(c.rcptBcc, clean)
	return nil
}
