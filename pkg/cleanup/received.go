package cleanup

import (
	"fmt"
	"strconv"
	"strings"
)

// received returns cleanup's Received: header, folded with "\n\t", in
// the form of the program the message comes from:
//
//	smtpd (smtpd.c):   Received: from HELO (NAME [ADDR])
//	                   	TLS lines, (Authenticated sender: USER)
//	                   	by $myhostname ($mail_name) with PROTO[S][A] id QID
//	                   	for <RCPT>; DATE          (one recipient only)
//	pickup (pickup.c): Received: by $myhostname ($mail_name, from userid UID)
//	                   	id QID; DATE
//	other (post_mail.c, bounces): Received: by $myhostname ($mail_name)
//	                   	id QID; DATE
func (m *Message) received() string {
	mt, p := m.meta, m.c.p
	date := mailDate(m.w.Arrival())
	switch {
	case mt.ClientAddr != "" || mt.Origin == "smtpd":
		return m.receivedSMTP(date)
	case mt.Origin == "pickup" || mt.Origin == "sendmail":
		uid := strconv.Itoa(mt.LocalUID)
		return fmt.Sprintf("Received: by %s (%s, from userid %s)\n\tid %s; %s",
			p.myhostname, p.mailName, uid, m.id, date)
	}
	return fmt.Sprintf("Received: by %s (%s)\n\tid %s; %s", p.myhostname, p.mailName, m.id, date)
}

// postMailOrigin are the origins whose messages Postfix posts with
// post_mail_fopen() (bounce(8) notices, verify(8) probes): post_mail
// writes "Date:" right after its Received: header, so Date: comes
// second in their header, not among the headers cleanup adds at the end.
var postMailOrigin = map[string]bool{"bounce": true, "verify": true}

func (m *Message) receivedSMTP(date string) string {
	mt, p := m.meta, m.c.p
	name := mt.ClientName
	if name == "" {
		name = "unknown"
	}
	helo := mt.Helo
	if helo == "" {
		helo = name
	}
	addr := mt.ClientAddr
	if strings.Contains(addr, ":") {
		addr = "IPv6:" + addr // smtpd's rfc_addr
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Received: from %s (%s [%s])", helo, name, addr)
	if mt.TLS != "" {
		b.WriteString("\n" + mt.TLS)
	}
	if p.saslAuthHeader && mt.SASLUser != "" {
		fmt.Fprintf(&b, "\n\t(Authenticated sender: %s)", commentSanitize(mt.SASLUser))
	}
	with := ""
	if mt.Protocol != "" {
		with = " with " + mt.Protocol
		// RFC 3848 is defined for ESMTP only.
		if mt.Protocol == "ESMTP" && (mt.TLSActive || mt.TLS != "") {
			with += "S"
		}
		if mt.Protocol == "ESMTP" && mt.SASLUser != "" {
			with += "A"
		}
	}
	if m.rcptGiven == 1 {
		fmt.Fprintf(&b, "\n\tby %s (%s)%s id %s\n\tfor <%s>; %s",
			p.myhostname, p.mailName, with, m.id, externalize(m.firstRcpt), date)
	} else {
		fmt.Fprintf(&b, "\n\tby %s (%s)%s id %s;\n\t%s", p.myhostname, p.mailName, with, m.id, date)
	}
	return b.String()
}

// commentSanitize makes text safe inside a (comment): anything but
// printable ASCII, backslashes and unbalanced ')' become '?', and open
// '(' are closed (smtpd.c comment_sanitize()).
func commentSanitize(s string) string {
	depth := 0
	out := []byte(s)
	for i, c := range out {
		switch {
		case c < 32 || c >= 127 || c == '\\':
			out[i] = '?'
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				out[i] = '?'
			} else {
				depth--
			}
		}
	}
	return string(out) + strings.Repeat(")", depth)
}
