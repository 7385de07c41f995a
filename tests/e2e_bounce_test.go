package tests

// End to end: a next hop that answers 5xx bounces the mail, and the
// sender, a local user whose mail goes to Dovecot over LMTP
// (mailbox_transport), receives Postfix's RFC 3464 non-delivery notice.

import (
	"bufio"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

func TestE2EBounceDSN(t *testing.T) {
	t.Parallel()
	// smtp-sink -f RCPT answers "500 5.3.0 Error: command failed".
	sink := startE2ESink(t, 0, "-f", "RCPT")
	inst := harness.New(t, []string{
		"myhostname = mail.example.com",
		"mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain",
		"alias_maps =",
		"relayhost = [127.0.0.1]:" + sink.port(),
		"mailbox_transport = lmtp:unix:private/dovecot-lmtp",
	}, e2eMasterCF(t))
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	d := startE2EDovecot(t, filepath.Join(inst.QueueDir, "private", "dovecot-lmtp"), 0, "alice")

	id := e2eQueuedAs(t, e2eSwaks(t, inst, "--from", "alice@example.com", "--to", "bob@example.net",
		"--header", "Subject: doomed", "--body", "this will bounce"))
	reason := "host 127.0.0.1[127.0.0.1] said: 500 5.3.0 Error: command failed (in reply to RCPT TO command)"
	inst.WaitLog(t, `postfix/smtp\[\d+\]: `+id+`: to=<bob@example\.net>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:`+sink.port()+
		`, delay=[0-9.]+, delays=[0-9./]+, dsn=5\.3\.0, status=bounced \(`+regexp.QuoteMeta(reason)+`\)$`)
	nid := inst.WaitLog(t, `postfix/bounce\[\d+\]: `+id+`: sender non-delivery notification: ([0-9A-F]+)$`)[1]
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: removed$`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+nid+`: from=<>, size=\d+, nrcpt=1 \(queue active\)$`)
	inst.WaitLog(t, `postfix/lmtp\[\d+\]: `+nid+`: to=<alice@example\.com>, relay=mail\.example\.com\[private/dovecot-lmtp\], .*status=sent \(250 2\.0\.0 <alice@example\.com> \S+ Saved\)$`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+nid+`: removed$`)

	text := d.waitFetch(t, inst, "alice", "Undelivered Mail Returned to Sender")
	checkDSN(t, text, id, reason)
	e2eQueueEmpty(t, inst)
}

// checkDSN parses the notice Dovecot returned ("doveadm fetch text":
// "text:" then the message) and checks its RFC 3464 structure.
func checkDSN(t *testing.T, fetched, id, reason string) {
	t.Helper()
	raw := strings.TrimPrefix(strings.TrimLeft(fetched, "\n"), "text:\n")
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("notice: %v\n%s", err, fetched)
	}
	h := msg.Header
	for name, re := range map[string]string{
		"From":           `^Mail Delivery System <MAILER-DAEMON@mail\.example\.com>$`,
		"To":             `^alice@example\.com$`,
		"Subject":        `^Undelivered Mail Returned to Sender$`,
		"Auto-Submitted": `^auto-replied$`,
		"MIME-Version":   `^1\.0$`,
		"Return-Path":    `^<>$`,
	} {
		if !regexp.MustCompile(re).MatchString(h.Get(name)) {
			t.Errorf("notice %s: %q, want %s", name, h.Get(name), re)
		}
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("notice Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	parts := readParts(t, multipart.NewReader(msg.Body, params["boundary"]))
	if len(parts) != 3 {
		t.Fatalf("notice has %d parts, want 3", len(parts))
	}
	wantTypes := []string{"text/plain", "message/delivery-status", "message/rfc822"}
	for i, p := range parts {
		if mt, _, _ := mime.ParseMediaType(p.header.Get("Content-Type")); mt != wantTypes[i] {
			t.Errorf("part %d: %q, want %s", i+1, p.header.Get("Content-Type"), wantTypes[i])
		}
	}
	// The reason is folded at 78 columns.
	if !strings.Contains(strings.Join(strings.Fields(parts[0].body), " "), "<bob@example.net>: "+reason) {
		t.Errorf("notification part lacks the reason:\n%s", parts[0].body)
	}
	checkDeliveryStatus(t, parts[1].body, id)
	if !strings.Contains(parts[2].body, "Subject: doomed") || !strings.Contains(parts[2].body, "this will bounce") {
		t.Errorf("returned message part:\n%s", parts[2].body)
	}
}

type mimePart struct {
	header textproto.MIMEHeader
	body   string
}

func readParts(t *testing.T, r *multipart.Reader) []mimePart {
	t.Helper()
	var out []mimePart
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("notice MIME structure: %v", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mimePart{header: p.Header, body: string(b)})
	}
}

// checkDeliveryStatus checks the message/delivery-status part: the
// per-message fields, then the failed recipient's (RFC 3464 2.2, 2.3).
func checkDeliveryStatus(t *testing.T, body, id string) {
	t.Helper()
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(strings.ReplaceAll(body, "\r\n", "\n"))))
	perMsg, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("delivery-status per-message fields: %v\n%s", err, body)
	}
	perRcpt, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		t.Fatalf("delivery-status per-recipient fields: %v\n%s", err, body)
	}
	for _, c := range []struct {
		h          textproto.MIMEHeader
		name, want string
	}{
		{perMsg, "Reporting-MTA", "dns; mail.example.com"},
		{perMsg, "X-Postfix-Queue-ID", id},
		{perMsg, "X-Postfix-Sender", "rfc822; alice@example.com"},
		{perRcpt, "Final-Recipient", "rfc822; bob@example.net"},
		{perRcpt, "Original-Recipient", "rfc822;bob@example.net"},
		{perRcpt, "Action", "failed"},
		{perRcpt, "Status", "5.3.0"},
		{perRcpt, "Remote-MTA", "dns; 127.0.0.1"},
		{perRcpt, "Diagnostic-Code", "smtp; 500 5.3.0 Error: command failed"},
	} {
		if got := c.h.Get(c.name); got != c.want {
			t.Errorf("delivery-status %s: %q, want %q\n%s", c.name, got, c.want, body)
		}
	}
	if !regexp.MustCompile(`^\w{3}, [ 0-9]?\d \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4} \(\w+\)$`).MatchString(perMsg.Get("Arrival-Date")) {
		t.Errorf("delivery-status Arrival-Date: %q", perMsg.Get("Arrival-Date"))
	}
}
