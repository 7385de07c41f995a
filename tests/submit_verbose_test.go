package tests

import (
	"os"
	"os/user"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/tests/harness"
)

// TestSendmailVerboseReport: sendmail -v says that a delivery report
// will be mailed, and the report comes: qmgr's deferral ("mail transport
// unavailable", no agent is configured here) is recorded in the trace
// log and mailed to the sender as a Mail Delivery Status Report, once;
// the original keeps no trace_flags.
func TestSendmailVerboseReport(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	me, _ := user.Current()
	sender := me.Username + "@mx.example.test"
	res := sendmailCmd(t, inst, bin, "Subject: v\n\nbody\n", "-v", "user@example.com")
	if want := "Mail Delivery Status Report will be mailed to <" + me.Username + ">.\n"; res.code != 0 || res.stdout != want || res.stderr != "" {
		t.Fatalf("sendmail -v: %+v", res)
	}
	id := pickedUp(t, inst, os.Getuid(), me.Username)
	m := inst.WaitLog(t, `postfix/bounce\[\d+\]: `+id+`: sender delivery status notification: ([0-9A-F]+)$`)
	f := queued(t, inst, id)
	if f.Attr(queue.AttrTraceFlags) != "" {
		t.Errorf("trace_flags kept after the report: %v", f.Attrs)
	}
	report := queued(t, inst, m[1])
	text := messageText(t, report)
	if report.Sender != "" || strings.Join(recipients(report), ",") != sender {
		t.Errorf("report envelope %q -> %q", report.Sender, recipients(report))
	}
	for _, want := range []string{"\nSubject: Mail Delivery Status Report\n", "\nTo: " + sender + "\n",
		"Enclosed is the mail delivery report that you requested.",
		"\n<user@example.com>: mail transport unavailable\n", "\nAction: delayed\nStatus: 4.3.0\n",
		"\nContent-Type: text/rfc822-headers\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// A second attempt is not reported again.
	if q := sendmailCmd(t, inst, bin, "", "-q"); q.code != 0 {
		t.Fatalf("sendmail -q: %+v", q)
	}
	inst.WaitLogCount(t, `postfix/qmgr\[\d+\]: `+id+`: to=<user@example.com>, .*status=deferred`, 2)
	// The file went from deferred to active for the attempt; it is back
	// in deferred only after qmgr finished with it, trace flush included.
	layout, err := queue.NewLayoutFrom(inst.QueueDir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, "the second attempt done", func() bool {
		_, err := os.Stat(layout.Path(queue.Deferred, id))
		return err == nil
	})
	if n := strings.Count(inst.Log(), id+": sender delivery status notification"); n != 1 {
		t.Errorf("%d reports", n)
	}
}
