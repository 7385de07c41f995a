package bounce

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/postern/postern/pkg/queue"
)

// statusPart writes the message/delivery-status part (RFC 3464 2.2, 2.3;
// bounce_header_dsn, bounce_recipient_dsn).
func (n *notice) statusPart() {
	env := n.orig.Envelope
	n.line("")
	n.line("--%s", n.boundary)
	n.line("Content-Description: Delivery report")
	if n.utf8Req {
		n.line("Content-Type: message/global-delivery-status")
		if n.not7bit() {
			n.line("Content-Transfer-Encoding: %s", n.mimeEnc)
		}
	} else {
		n.line("Content-Type: message/delivery-status")
	}
	n.line("")
	// RFC 3464 2.2: per-message fields.
	n.line("Reporting-MTA: dns; %s", n.s.set.MyHostname)
	if id := env.Attr(queue.AttrDSNEnvID); id != "" {
		n.line("Original-Envelope-Id: %s", id)
	}
	n.line("X-%s-Queue-ID: %s", n.mailName, env.ID)
	n.line("X-%s-Sender: %s; %s", n.mailName, n.addrType(n.sender), n.sender)
	if !env.Arrival.IsZero() {
		n.line("Arrival-Date: %s", mailDate(env.Arrival))
	}
	for _, r := range n.recs {
		n.recipientFields(r)
	}
}

// addrType is "utf-8" for a UTF-8 address of an SMTPUTF8 message, else
// "rfc822" (RFC 6533).
func (n *notice) addrType(addr string) string {
	if n.utf8Req && !isASCII(addr) {
		return "utf-8"
	}
	return "rfc822"
}

// recipientFields writes RFC 3464 2.3 per-recipient fields.
func (n *notice) recipientFields(r queue.LogRecord) {
	n.line("")
	n.line("Final-Recipient: %s; %s", n.addrType(r.Recipient), r.Recipient)
	// Postfix always reports an Original-Recipient (bounce_recipient_dsn).
	switch {
	case r.DSNOrcpt != "":
		n.line("Original-Recipient: %s", r.DSNOrcpt)
	case r.OrigRcpt != "":
		n.line("Original-Recipient: %s; %s", n.addrType(r.OrigRcpt), r.OrigRcpt)
	}
	action := r.Action
	if n.tmpl.Class == classFailure {
		action = "failed"
	}
	n.line("Action: %s", action)
	n.line("Status: %s", r.Status)
	if r.MTAType != "" && r.MTAName != "" {
		n.wrap(fmt.Sprintf("Remote-MTA: %s; %s", r.MTAType, r.MTAName))
	}
	if r.DiagType != "" && r.DiagText != "" {
		n.wrap(fmt.Sprintf("Diagnostic-Code: %s; %s", r.DiagType, r.DiagText))
	} else {
		n.wrap(fmt.Sprintf("Diagnostic-Code: X-%s; %s", n.mailName, r.Reason))
	}
	if n.tmpl.Class == classDelay {
		until := n.orig.Envelope.Arrival.Add(n.s.set.MaxQueueLifetime)
		n.line("Will-Retry-Until: %s", mailDate(until))
	}
}

// originalPart attaches the original message or its headers
// (bounce_original). ret is retFull or retHdrs.
func (n *notice) originalPart(ret string) error {
	env := n.orig.Envelope
	if lim := n.s.set.BounceSizeLimit; lim > 0 && (env.MessageSize <= 0 || env.MessageSize > lim) {
		ret = retHdrs
	}
	n.line("")
	n.line("--%s", n.boundary)
	desc := "Message"
	if ret == retHdrs {
		desc = "Message Headers"
	}
	if n.tmpl.Class == classFailure || n.tmpl.Class == classDelay {
		desc = "Undelivered " + desc
	}
	n.line("Content-Description: %s", desc)
	switch {
	case n.utf8Req && ret == retHdrs:
		n.line("Content-Type: message/global-headers")
	case n.utf8Req:
		n.line("Content-Type: message/global")
	case ret == retHdrs:
		n.line("Content-Type: text/rfc822-headers")
	default:
		n.line("Content-Type: message/rfc822")
	}
	if n.not7bit() {
		n.line("Content-Transfer-Encoding: %s", n.mimeEnc)
	}
	n.line("")
	if err := n.copyOriginal(ret == retHdrs); err != nil {
		return err
	}
	n.line("")
	n.line("--%s--", n.boundary)
	return nil
}

// copyOriginal copies the content from the queue file, after a
// Return-Path: header. When the content is unavailable a place holder
// is written, as Postfix does.
func (n *notice) copyOriginal(headersOnly bool) error {
	f, err := queue.Open(n.orig.Path, false)
	if err != nil {
		n.line("\t--- Undelivered message unavailable ---")
		return nil
	}
	defer f.Close()
	n.line("Return-Path: <%s>", n.sender)
	br := bufio.NewReaderSize(f.Content(), 64*1024)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if headersOnly && !isHeaderLine(line) {
				return nil
			}
			n.w.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				n.w.WriteByte('\n')
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read message file %s: %w", n.orig.Path, err)
		}
	}
}

// isHeaderLine: a continuation line or "name:" (is_header()).
func isHeaderLine(line string) bool {
	if line == "" {
		return false
	}
	if line[0] == ' ' || line[0] == '\t' {
		return true
	}
	_, _, ok := templateHeader(strings.TrimRight(line, "\r\n"))
	return ok
}
