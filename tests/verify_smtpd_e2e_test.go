package tests

// reject_unverified_recipient through a whole instance: smtpd asks
// verify(8), which probes through cleanup, qmgr and the delivery agents;
// the next RCPT gets the answer from the cache.

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

func TestVerifyRejectUnverifiedRecipient(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{
		"relay_domains = ok.test, bad.test",
		"transport_maps = inline:{ok.test=discard:, { bad.test = error:5.1.1 no such user here }}",
		"smtpd_recipient_restrictions = reject_unverified_recipient",
		"unverified_recipient_reject_code = 550",
		"address_verify_poll_count = 1"},
		"127.0.0.1:{port:smtp} inet n - n - - smtpd\n"+
			"cleanup unix n - n - 0 cleanup\n"+
			"qmgr unix n - n 300 1 qmgr\n"+
			"verify unix - - n - 1 verify\n"+
			"error unix - - n - - error\n"+
			"discard unix - - n - - discard\n")
	inst.WaitListen(t, "smtp")
	ask := func(rcpt string) string {
		t.Helper()
		c, err := net.DialTimeout("tcp", inst.Addr(t, "smtp"), harness.Timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(harness.Timeout))
		r := bufio.NewReader(c)
		var last string
		for _, cmd := range []string{"", "HELO c.test", "MAIL FROM:<a@c.test>", "RCPT TO:<" + rcpt + ">", "QUIT"} {
			if cmd != "" {
				c.Write([]byte(cmd + "\r\n"))
			}
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			last = strings.TrimRight(line, "\r\n")
			if strings.HasPrefix(cmd, "RCPT") {
				return last
			}
		}
		return last
	}
	progress := "450 4.1.1 <%s>: Recipient address rejected: unverified address: Address verification in progress"
	for _, c := range []struct{ rcpt, probe, want string }{
		{"u@ok.test", `postfix/discard\[\d+\]: ([0-9A-F]+): to=<u@ok\.test>, .*status=deliverable`, "250 2.1.5 Ok"},
		{"u@bad.test", `postfix/error\[\d+\]: ([0-9A-F]+): to=<u@bad\.test>, .*status=undeliverable`,
			"550 5.1.1 <u@bad.test>: Recipient address rejected: undeliverable address: no such user here"},
	} {
		if got, want := ask(c.rcpt), strings.Replace(progress, "%s", c.rcpt, 1); got != want {
			t.Errorf("%s first: got %q, want %q", c.rcpt, got, want)
		}
		m := inst.WaitLog(t, c.probe)
		inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+m[1]+`: removed`)
		if got := ask(c.rcpt); got != c.want {
			t.Errorf("%s after the probe: got %q, want %q", c.rcpt, got, c.want)
		}
	}
}
