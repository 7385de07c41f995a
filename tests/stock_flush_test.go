package tests

// Fast flush under the stock master.cf: mail for an alias whose command
// exits with EX_TEMPFAIL is deferred by local(8); "postqueue -i ID" and
// "postqueue -s site" ask Postern's flush(8), which moves the message
// back to the incoming queue and wakes qmgr, so the next attempt comes
// at once instead of after $minimal_backoff_time. The real Postfix
// postqueue (Postfix's own flush client) is used, and Postern's
// postqueue too; then smtpd's ETRN. The site's fast flush log is filled
// by the delivery agent's defer hook.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/tests/harness"
)

const realPostqueue = "/usr/sbin/postqueue"

func TestStockFlush(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(realPostqueue); err != nil {
		t.Skip("no real Postfix postqueue: ", err)
	}
	requireStockRoot(t)
	s := newStockSetup(t, "", "fast_flush_domains = mx.example.test",
		"minimal_backoff_time = 1h", "maximal_backoff_time = 2h", "queue_run_delay = 1h")
	inst := s.inst
	aliases := filepath.Join(inst.Dir, "aliases")
	stockWriteFile(t, aliases, "one: \"|/bin/sh -c 'exit 75'\"\ntwo: one\n", 0o644)
	stockPostmap(t, inst, "postalias", aliases)

	deferredLine := func(id string) string {
		return `postfix/local\[\d+\]: ` + id + `: to=<one@mx\.example\.test>, (orig_to=<two@mx\.example\.test>, )?relay=local, .*dsn=4\.3\.0, status=deferred \(temporary failure\)`
	}
	queueAndDefer := func(rcpt string) string {
		id := stockSMTP(t, inst, "sender@example.org", []string{rcpt}, "Subject: flush me\n\nbody\n")
		inst.WaitLog(t, deferredLine(id))
		harness.Eventually(t, id+" in the deferred queue", func() bool {
			_, err := os.Stat(stockLayout(t, inst).Path(queue.Deferred, id))
			return err == nil
		})
		return id
	}

	// postqueue -i (Postfix's client): one more attempt now.
	id1 := queueAndDefer("one@mx.example.test")
	if out, err := exec.Command(realPostqueue, "-c", inst.ConfigDir, "-i", id1).CombinedOutput(); err != nil {
		t.Fatalf("postqueue -i: %v %s", err, out)
	}
	inst.WaitLogCount(t, deferredLine(id1), 2)

	// postqueue -s: local's deferral is recorded in the site's log (the
	// delivery agents' defer hook, defer.c's flush_add), the site flush
	// retries it.
	id2 := queueAndDefer("two@mx.example.test")
	logFile := filepath.Join(inst.QueueDir, "flush", "mx_example_test")
	if data, _ := os.ReadFile(logFile); !strings.Contains(string(data), id2+"\n") {
		t.Fatalf("fast flush log: %q", data)
	}
	if out, err := exec.Command(realPostqueue, "-c", inst.ConfigDir, "-s", "mx.example.test").CombinedOutput(); err != nil {
		t.Fatalf("postqueue -s: %v %s", err, out)
	}
	inst.WaitLogCount(t, deferredLine(id2), 2)
	// The new deferral is logged for the site again (the flush emptied
	// the log); ETRN (smtpd → flush send_site) retries it once more.
	harness.Eventually(t, id2+" in the fast flush log again", func() bool {
		data, _ := os.ReadFile(logFile)
		return strings.Contains(string(data), id2+"\n")
	})
	stockETRN(t, inst, "mx.example.test", "250 Queuing started")
	inst.WaitLogCount(t, deferredLine(id2), 3)
	stockETRN(t, inst, "other.test", "459 <other.test>: service unavailable")
	// A destination that is not in $fast_flush_domains.
	out, err := exec.Command(realPostqueue, "-c", inst.ConfigDir, "-s", "other.test").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `postqueue: fatal: Flush service is not configured for destination "other.test"`) {
		t.Errorf("postqueue -s other.test: %v %q", err, out)
	}

	t.Run("postern postqueue", func(t *testing.T) { stockPosternPostqueue(t, inst, id1, deferredLine(id1)) })
	inst.Stop(t)
	var bad []string
	for _, line := range stockBadLogLines(inst.Log()) {
		if !strings.Contains(line, " postfix/postqueue[") { // the clients' own refusals above
			bad = append(bad, line)
		}
	}
	if len(bad) > 0 {
		t.Errorf("log has bad lines:\n%s", strings.Join(bad, "\n"))
	}
}

// stockPosternPostqueue runs Postern's own postqueue -i against the
// flush service.
func stockPosternPostqueue(t *testing.T, inst *harness.Instance, id, deferred string) {
	t.Helper()
	bin := harness.Build(t, "postqueue")
	path := filepath.Join(bin, "postqueue")
	out, err := exec.Command(path, "-c", inst.ConfigDir, "-i", id).CombinedOutput()
	if err != nil {
		t.Fatalf("Postern postqueue -i: %v %s", err, out)
	}
	inst.WaitLogCount(t, deferred, 3)
}

func stockLayout(t *testing.T, inst *harness.Instance) *queue.Layout {
	t.Helper()
	l, err := queue.NewLayoutFrom(inst.QueueDir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
