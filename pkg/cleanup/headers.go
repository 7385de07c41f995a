package cleanup

import (
	"strings"
	"time"
)

// hdrType names the headers cleanup looks at (global/header_opts.c).
type hdrType int

const (
	hdrOther hdrType = iota
	hdrReceived
	hdrMessageID
	hdrResentMessageID
	hdrDate
	hdrResentDate
	hdrFrom
	hdrResentFrom
	hdrTo
	hdrResentTo
	hdrCc
	hdrResentCc
	hdrSenderAddr // other headers with sender addresses
	hdrRcptAddr   // other headers with recipient addresses
)

// hdrInfo is a known header: its type, whether it holds sender or
// recipient addresses, and whether it is a Resent- header.
type hdrInfo struct {
	typ    hdrType
	sender bool
	rcpt   bool
	resent bool
}

var knownHeaders = map[string]hdrInfo{
	"apparently-to":               {hdrRcptAddr, false, true, false},
	"bcc":                         {hdrRcptAddr, false, true, false},
	"cc":                          {hdrCc, false, true, false},
	"disposition-notification-to": {hdrSenderAddr, true, false, false},
	"date":                        {hdrDate, false, false, false},
	"errors-to":                   {hdrSenderAddr, true, false, false},
	"from":                        {hdrFrom, true, false, false},
	"mail-followup-to":            {hdrSenderAddr, true, false, false},
	"message-id":                  {hdrMessageID, false, false, false},
	"received":                    {hdrReceived, false, false, false},
	"reply-to":                    {hdrSenderAddr, true, false, false},
	"resent-bcc":                  {hdrRcptAddr, false, true, true},
	"resent-cc":                   {hdrResentCc, false, true, true},
	"resent-date":                 {hdrResentDate, false, false, true},
	"resent-from":                 {hdrResentFrom, true, false, true},
	"resent-message-id":           {hdrResentMessageID, false, false, true},
	"resent-reply-to":             {hdrRcptAddr, false, true, true},
	"resent-sender":               {hdrSenderAddr, true, false, true},
	"resent-to":                   {hdrResentTo, false, true, true},
	"return-path":                 {hdrSenderAddr, true, false, false},
	"return-receipt-to":           {hdrSenderAddr, true, false, false},
	"sender":                      {hdrSenderAddr, true, false, false},
	"to":                          {hdrTo, false, true, false},
}

// mimeHeaders are the headers Postfix treats as MIME headers
// (HDR_OPT_MIME in global/header_opts.c): cleanup copies them without
// inspection, so message_drop_headers does not remove them.
var mimeHeaders = map[string]bool{
	"content-description": true, "content-disposition": true, "content-id": true,
	"content-transfer-encoding": true, "content-type": true, "mime-version": true,
}

// startContent begins the content: headers that smtpd asked to prepend
// (access PREPEND), then cleanup's own Received: header, and for the
// notices and probes Postfix posts with post_mail() its Date: header.
func (m *Message) startContent() {
	m.body = &content{seen: map[hdrType]bool{}, lastLF: true}
	for _, h := range m.prepend {
		m.feedHeader(h)
	}
	for _, line := range strings.Split(m.received(), "\n") {
		m.headerLine([]byte(line))
	}
	if postMailOrigin[m.meta.Origin] {
		m.headerLine([]byte("Date: " + mailDate(m.w.Arrival())))
	}
}

// feedHeader passes a complete (possibly folded) header through the
// header machine.
func (m *Message) feedHeader(h string) {
	for _, line := range strings.Split(h, "\n") {
		m.headerLine([]byte(line))
	}
}

// header processes one logical header (cleanup_header_callback()).
// A header named in message_drop_headers is examined like any other
// (hop count, message-id logging, address rewriting) but not written.
func (m *Message) header(h string) {
	name, value, _ := strings.Cut(h, ":")
	lname := strings.ToLower(name)
	drop := m.c.p.dropHeaders[lname] && !mimeHeaders[lname]
	info, known := knownHeaders[lname]
	if !known {
		if !drop {
			m.outHeader(h)
		}
		return
	}
	b := m.body
	b.seen[info.typ] = true
	val := strings.TrimLeft(value, " \t\r\n") // ISSPACE, as cleanup_header_callback()
	switch info.typ {
	case hdrMessageID:
		m.c.logf("info", "%s: message-id=%s", m.id, val)
	case hdrResentMessageID:
		m.c.logf("info", "%s: resent-message-id=%s", m.id, val)
	case hdrReceived:
		b.hops++
		if b.hops >= m.c.p.hopcountLimit {
			m.c.logf("warning", "%s: message rejected: hopcount exceeded", m.id)
			m.fail(errHops())
		}
	}
	if info.resent {
		b.resent = true
	}
	if m.hdrRewrite && (info.sender || info.rcpt) {
		h = m.rewriteHeader(name, value, info.sender)
	}
	if !drop {
		m.outHeader(h)
	}
}

// outHeader writes a logical header, cut to header_size_limit as
// cleanup_out_header() does: at the last line boundary before the limit
// when that keeps more than 90% of it ("nice cut"), else at exactly the
// limit ("unkind cut").
func (m *Message) outHeader(h string) {
	limit := m.c.p.headerSizeLimit
	for pos := 0; len(h) > limit && pos < len(h); {
		end := len(h)
		if nl := strings.IndexByte(h[pos:], '\n'); nl >= 0 {
			end = pos + nl
		}
		if end > limit {
			if pos > 0 && float64(pos) > 0.9*float64(limit) {
				h = h[:pos-1]
			} else {
				h = h[:limit]
			}
			break
		}
		pos = end + 1
	}
	m.out([]byte(h + "\n"))
}

// headersDone adds missing headers at the end of the primary header
// block (cleanup_header_done_callback()).
func (m *Message) headersDone() {
	b := m.body
	c := m.c
	add := m.hdrRewrite || c.p.alwaysAddHeaders
	resent := ""
	idType, dateType, fromType := hdrMessageID, hdrDate, hdrFrom
	if b.resent {
		resent = "Resent-"
		idType, dateType, fromType = hdrResentMessageID, hdrResentDate, hdrResentFrom
	}
	if add && !b.seen[idType] {
		mid := m.messageID()
		m.outLine("%sMessage-Id: <%s>", resent, mid)
		c.logf("info", "%s: %smessage-id=<%s>", m.id, strings.ToLower(resent), mid)
		b.seen[idType] = true
	}
	if !b.seen[hdrMessageID] {
		c.logf("info", "%s: message-id=<>", m.id)
	}
	if add && !b.seen[dateType] {
		m.outLine("%sDate: %s", resent, mailDate(m.w.Arrival()))
	}
	if add && !b.seen[fromType] {
		m.outLine("%sFrom: %s", resent, m.fromValue())
	}
	visible := b.seen[hdrTo] || b.seen[hdrResentTo] || b.seen[hdrCc] || b.seen[hdrResentCc]
	if add && !visible && c.p.undisclosedHeader != "" {
		if HeaderNameLen([]byte(c.p.undisclosedHeader)) == 0 {
			c.logf("warning", "bad undisclosed_recipients_header header text \"%s\" -- need \"headername: headervalue\"", c.p.undisclosedHeader)
		} else {
			m.outLine("%s", c.p.undisclosedHeader)
		}
	}
}

// messageID is "YYYYMMDDhhmmss.QID@$myhostname" in UTC of the queue
// file creation time, or "QID@$myhostname" with long queue IDs.
func (m *Message) messageID() string {
	if m.c.layout.LongIDs {
		return m.id + "@" + m.c.p.myhostname
	}
	// The time is that of the queue ID, whose non-inode part does not
	// repeat within a second: together they keep Message-Ids unique.
	return m.w.Created().UTC().Format("20060102150405") + "." + m.id + "@" + m.c.p.myhostname
}

// fromValue is the value of a generated From: header: "Full Name <addr>"
// when the sender's full name is known, else the address.
func (m *Message) fromValue() string {
	addr := m.sender
	if addr == "" {
		addr = "MAILER-DAEMON"
	}
	addr = externalize(addr)
	name := strings.NewReplacer("\r", " ", "\n", " ").Replace(m.meta.FullName)
	if m.sender == "" || strings.TrimSpace(name) == "" {
		return addr
	}
	if strings.ContainsAny(name, "%!()<>@,;:\\\".[]") {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	} else {
		name = strings.Join(strings.Fields(name), " ")
	}
	return name + " <" + addr + ">"
}

// mailDate formats t as Postfix's mail_date(): RFC 5322 local time with
// the zone name, "Thu, 21 Nov 2024 18:40:00 +0100 (CET)" (day padded
// with a space).
func mailDate(t time.Time) string {
	return t.Local().Format("Mon, _2 Jan 2006 15:04:05 -0700 (MST)")
}
