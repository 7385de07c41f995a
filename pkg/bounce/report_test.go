package bounce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/queue"
)

// TestDeliveryReport: the report of sendmail -v lists every recipient of
// the trace log, whatever its NOTIFY, with the verify template, and is
// logged as a sender delivery status notification (bounce_trace_service).
func TestDeliveryReport(t *testing.T) {
	recs := []queue.LogRecord{
		{Recipient: "bob@example.net", Notify: queue.NotifyNever, Status: "2.0.0", Action: "delivered",
			Reason: "delivered to mailbox"},
		{Recipient: "carol@example.net", Status: "4.4.1", Action: "delayed", Reason: "connect to mx[192.0.2.1]:25: Connection refused"},
	}
	c, lg := notify(t, Report, original(t, "ABCDEF1234", "alice@example.org", "Subject: x\n\nbody\n"), recs...)
	if len(c.drafts) != 1 || c.drafts[0].rcpt != "alice@example.org" || lg.lines[0] != "ABCDEF1234: sender delivery status notification: NEW0" {
		t.Fatalf("%+v %v", c.drafts, lg.lines)
	}
	n := c.drafts[0].buf.String()
	for _, want := range []string{"Subject: Mail Delivery Status Report\n",
		"Enclosed is the mail delivery report that you requested.\n",
		"<bob@example.net>: delivered to mailbox\n", "<carol@example.net>: connect to mx[192.0.2.1]:25: Connection refused\n",
		"Final-Recipient: rfc822; bob@example.net\nAction: delivered\nStatus: 2.0.0\n",
		"Content-Type: text/rfc822-headers\n"} {
		if !strings.Contains(n, want) {
			t.Errorf("lacks %q:\n%s", want, n)
		}
	}
	if Report.String() != "report" {
		t.Errorf("Report.String() = %q", Report.String())
	}
}

// TestTraceFlushRequest: a trace flush request (N=5) with flags 1024
// (sendmail -v) sends the report with the verify template, without
// flags the success notice; the trace log is removed after either.
func TestTraceFlushRequest(t *testing.T) {
	for _, tc := range []struct{ flags, subject string }{
		{"1024", "Subject: Mail Delivery Status Report\n"},
		{"512", "Subject: Mail Delivery Status Report\n"},
		{"", "Subject: Successful Mail Delivery Report\n"},
	} {
		orig := original(t, "ABCDEF1234", "alice@example.org", "Subject: x\n\nbody\n")
		l, err := queue.NewLayoutFrom(filepath.Dir(filepath.Dir(orig.Path)), nil, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		rec := queue.LogRecord{Recipient: "bob@example.net", Notify: queue.NotifySuccess, Status: "2.0.0",
			Action: "delivered", Reason: "delivered to mailbox"}
		if err := l.AppendLog(queue.Trace, "ABCDEF1234", rec); err != nil {
			t.Fatal(err)
		}
		c := &capture{}
		s := New(testSettings(), c, &logs{}, nil)
		req := attr.List{}
		req.Int("nrequest", CmdTrace)
		if tc.flags != "" {
			req.Str("flags", tc.flags)
		}
		req.Str("queue_name", queue.Active)
		req.Str("queue_id", "ABCDEF1234")
		if err := s.handle(req, "trace", l); err != nil {
			t.Fatal(err)
		}
		if len(c.drafts) != 1 || !strings.Contains(c.drafts[0].buf.String(), tc.subject) {
			t.Errorf("flags %q: %+v", tc.flags, c.drafts)
		}
		if _, err := os.Stat(l.Path(queue.Trace, "ABCDEF1234")); !os.IsNotExist(err) {
			t.Errorf("flags %q: trace log kept: %v", tc.flags, err)
		}
	}
}
