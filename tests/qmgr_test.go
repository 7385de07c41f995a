package tests

// Process-level test of the queue manager and the queue tools under a
// real master: smtpd queues a message, qmgr (woken by cleanup) tries the
// smtp transport, which has no agent, and defers the message; showq and
// postqueue list it with the reason; postsuper deletes it.

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

func smtpSend(t *testing.T, inst *harness.Instance, from, to string) {
	t.Helper()
	c := inst.Dial(t, "smtp")
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	expect := func(code string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", code, err)
			}
			if !strings.HasPrefix(line, code) {
				t.Fatalf("got %q, want %s", line, code)
			}
			if len(line) > 3 && line[3] == ' ' {
				return
			}
		}
	}
	expect("220")
	for _, step := range []struct{ cmd, code string }{
		{"EHLO client.example.test", "250"}, {"MAIL FROM:<" + from + ">", "250"},
		{"RCPT TO:<" + to + ">", "250"}, {"DATA", "354"},
		{"Subject: queued\r\n\r\nhello\r\n.", "250"}, {"QUIT", "221"},
	} {
		fmt.Fprintf(c, "%s\r\n", step.cmd)
		expect(step.code)
	}
}

func TestQueueManagerUnderMaster(t *testing.T) {
	t.Parallel()
	inst := harness.Start(t, []string{"minimal_backoff_time = 300s"},
		"127.0.0.1:{port:smtp} inet n - n - - smtpd\n"+
			"qmgr unix n - n 300 1 qmgr\n"+
			"showq unix n - n - - showq\n")
	bin := harness.Build(t, "postqueue", "postsuper")
	smtpSend(t, inst, "alice@example.org", "bob@example.net")
	lines := inst.WaitLog(t, `postfix/qmgr\[\d+\]: ([0-9A-F]+): from=<alice@example.org>, size=\d+, nrcpt=1 \(queue active\)`)
	id := lines[1]
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: `+id+`: to=<bob@example.net>, relay=none, delay=[0-9.]+, delays=[0-9./]+, dsn=4.3.0, status=deferred \(mail transport unavailable\)`)
	// Listed through the showq service, with the reason.
	var out []byte
	harness.Eventually(t, "message in the deferred queue", func() bool {
		var err error
		out, err = exec.Command(filepath.Join(bin, "postqueue"), "-c", inst.ConfigDir, "-p").Output()
		return err == nil && strings.Contains(string(out), "(mail transport unavailable)")
	})
	want := fmt.Sprintf("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n%-11s", id)
	if !strings.HasPrefix(string(out), want) || !strings.HasSuffix(string(out), "\n-- 0 Kbytes in 1 Request.\n") ||
		!strings.Contains(string(out), "\n                                         bob@example.net\n") {
		t.Errorf("postqueue -p:\n%s", out)
	}
	del, err := exec.Command(filepath.Join(bin, "postsuper"), "-c", inst.ConfigDir, "-d", "ALL").CombinedOutput()
	if err != nil || string(del) != "postsuper: Deleted: 1 message\n" {
		t.Errorf("postsuper -d ALL: %v %q", err, del)
	}
	out, _ = exec.Command(filepath.Join(bin, "postqueue"), "-c", inst.ConfigDir, "-p").Output()
	if string(out) != "Mail queue is empty\n" {
		t.Errorf("after postsuper -d ALL: %q", out)
	}
	inst.WaitLog(t, `postfix/qmgr\[\d+\]: warning: connect to transport private/smtp: No such file or directory`)
}
