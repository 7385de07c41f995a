package tests

import (
	"os"
	"os/user"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// TestSendmailAddressVerify: sendmail -bv submits a probe instead of
// reading a message; the agents report what they would do (discard:
// deliverable, error: undeliverable; qmgr itself for a transport
// without an agent) without delivering, every
// recipient is finished once its trace record is written, and when the
// probe leaves the queue the sender gets a Mail Delivery Status Report.
func TestSendmailAddressVerify(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"minimal_backoff_time = 300s",
		"transport_maps = inline:{ok.test=discard:, { bad.test = error:5.1.1 no such user here }}"},
		submitMaster+"error unix - - n - - error\ndiscard unix - - n - - discard\n")
	bin := submitCommands(t)
	me, _ := user.Current()
	sender := me.Username + "@mx.example.test"
	res := sendmailCmd(t, inst, bin, "not read\n", "-bv", "u@ok.test", "u@bad.test", "u@other.test")
	if want := "Mail Delivery Status Report will be mailed to <" + me.Username + ">.\n"; res.code != 0 || res.stdout != want || res.stderr != "" {
		t.Fatalf("sendmail -bv: %+v", res)
	}
	id := pickedUp(t, inst, os.Getuid(), me.Username)
	inst.WaitLog(t, `postfix/discard\[\d+\]: `+id+`: to=<u@ok\.test>, relay=none, .*dsn=2\.0\.0, status=deliverable \(ok\.test\)$`)
	inst.WaitLog(t, `postfix/error\[\d+\]: `+id+`: to=<u@bad\.test>, relay=none, .*dsn=5\.1\.1, status=undeliverable \(no such user here\)$`)
	// No smtp agent: qmgr's own deferral is reported the same way
	// (Postfix 3.7 logs it as postfix/error, through its retry service).
	inst.WaitLog(t, `postfix/\w+\[\d+\]: `+id+`: to=<u@other\.test>, relay=none, .*dsn=4\.3\.0, status=undeliverable \(mail transport unavailable\)$`)
	m := inst.WaitLog(t, `postfix/bounce\[\d+\]: `+id+`: sender delivery status notification: ([0-9A-F]+)$`)
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: removed$`)
	report := queued(t, inst, m[1])
	text := messageText(t, report)
	if report.Sender != "" || strings.Join(recipients(report), ",") != sender {
		t.Errorf("report envelope %q -> %q", report.Sender, recipients(report))
	}
	for _, want := range []string{"\nSubject: Mail Delivery Status Report\n", "\nTo: " + sender + "\n",
		"Enclosed is the mail delivery report that you requested.",
		"\n<u@ok.test>: ok.test\n", "\n<u@bad.test>: no such user here\n",
		"\nFinal-Recipient: rfc822; u@ok.test\nOriginal-Recipient: rfc822;u@ok.test\nAction: deliverable\nStatus: 2.0.0\n",
		"\nAction: undeliverable\nStatus: 5.1.1\n",
		"\n<u@other.test>: mail transport unavailable\n", "\nAction: undeliverable\nStatus: 4.3.0\n",
		"\nSubject: probe\n", "\nTo:\tu@ok.test,\n\tu@bad.test,\n\tu@other.test\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "not read") {
		t.Errorf("sendmail -bv read standard input:\n%s", text)
	}
	if strings.Contains(inst.Log(), id+": sender non-delivery notification") {
		t.Error("the probe bounced")
	}
}

// TestSendmailAddressVerifyUsage: -bv refuses the options Postfix
// refuses with it, with Postfix's exit status (75, as the real sendmail
// exits).
func TestSendmailAddressVerifyUsage(t *testing.T) {
	t.Parallel()
	inst, bin := submitInstance(t)
	for _, c := range []struct{ args []string }{
		{[]string{"-bv", "-t"}}, {[]string{"-bv", "-N", "never", "a@b"}}, {[]string{"-bv", "-R", "hdrs", "a@b"}},
	} {
		res := sendmailCmd(t, inst, bin, "", c.args...)
		if res.code != 75 || !strings.Contains(res.stderr, "cannot be used with -bv") {
			t.Errorf("%v: %+v", c.args, res)
		}
	}
}
