package tests

// Crash test of the whole mail path: a load of numbered messages over 20
// concurrent SMTP sessions into a null client relaying to a counting
// sink; in the middle of it every process of the instance (master and
// all children) is killed with SIGKILL; the instance is restarted, the
// load goes on, postqueue -f flushes the queue, and the sink must then
// hold every message that got 250 for each of its recipients, and no
// recipient that the queue file had marked done at the kill may arrive
// again. Deliveries that had reached the sink but were not yet marked
// done when the processes died may arrive twice: that is the window
// Postfix has too; the test reports them.
//
// POSTERN_SOAK=1 runs the long form: more messages, several kills.

import (
	"io"
	"os"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/tests/harness"
)

func TestE2ECrashUnderLoad(t *testing.T) {
	msgs, kills := 2000, []int{800}
	if os.Getenv("POSTERN_SOAK") == "1" {
		msgs, kills = 20000, []int{2000, 6000, 10000, 14000, 18000}
	}
	sink, err := startCountSink()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.close()
	inst := harness.New(t, e2eNullClient(sink.port()), e2eMasterCF(t, "local", "virtual"))
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	load := startLoad(inst.Addr(t, "smtp"), msgs, 20)
	defer load.halt()
	doneAt := map[e2eKey]int32{} // the first epoch whose kill found the recipient done
	for _, at := range kills {
		e2eWaitAcked(t, load, at)
		load.up.Store(false)
		killed := e2eKillTree(t, inst)
		// From here on the sink counts deliveries of the next epoch.
		epoch := sink.epoch.Add(1) - 1
		load.mu.Lock()
		acked := make(map[int]string, len(load.acked))
		for k, v := range load.acked {
			acked[k] = v
		}
		load.mu.Unlock()
		for k := range e2eDoneRecipients(t, inst, acked) {
			if _, ok := doneAt[k]; !ok {
				doneAt[k] = epoch
			}
		}
		t.Logf("kill %d: %d processes killed after %d messages accepted, %d recipients done in the queue", epoch+1, killed, len(acked), len(doneAt))
		inst.Start(t)
		load.up.Store(true)
	}
	load.wait()
	e2ePostqueue(t, inst, "-f")
	e2eCheckDrained(t, inst, sink, load, doneAt)
}

// e2eWaitAcked waits (bounded) until the load has n messages accepted.
func e2eWaitAcked(t *testing.T, load *e2eLoad, n int) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for load.ackedCount() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages accepted, want %d; errors: %q", load.ackedCount(), n, load.upErrors)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// e2eKillTree kills the master's process group and then any process of
// the instance left, with SIGKILL, waits until none is alive and
// returns how many there were.
func e2eKillTree(t *testing.T, inst *harness.Instance) int {
	t.Helper()
	n := len(inst.Processes())
	if pid := inst.MasterPID(); pid > 0 {
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid > 1 {
			syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
	deadline := time.Now().Add(harness.Timeout)
	for {
		left := inst.Processes()
		if len(left) == 0 {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes survive SIGKILL: %v", left)
		}
		for _, p := range left {
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// e2eDoneRecipients reads the queue while nothing runs: an accepted
// message whose file is gone is finished for all its recipients; in a
// file still queued, the recipients marked done are finished.
func e2eDoneRecipients(t *testing.T, inst *harness.Instance, acked map[int]string) map[e2eKey]bool {
	t.Helper()
	layout, err := queue.NewLayoutFrom(inst.QueueDir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	done := map[e2eKey]bool{}
	for seq, id := range acked {
		env := e2eQueuedEnvelope(t, layout, id, seq)
		for _, r := range e2eRcpts(seq) {
			if env == nil {
				done[e2eKey{seq, r}] = true
				continue
			}
			for _, qr := range env.Recipients {
				if qr.Address == r && qr.Done {
					done[e2eKey{seq, r}] = true
				}
			}
		}
	}
	return done
}

// e2eQueuedEnvelope returns the envelope of message seq if its file is
// still in a queue (a file of the same ID holding another message, its
// inode reused, does not count); a file in corrupt fails the test.
func e2eQueuedEnvelope(t *testing.T, layout *queue.Layout, id string, seq int) *queue.Envelope {
	t.Helper()
	q, path, err := layout.Find(id, queue.Incoming, queue.Active, queue.Deferred, queue.Hold, queue.Corrupt)
	if err != nil {
		return nil
	}
	f, err := queue.Open(path, false)
	if err != nil {
		t.Fatalf("message %d (%s) in %s: %v", seq, id, q, err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f.Content(), head)
	m := e2eSeqHeader.FindSubmatch(head[:n])
	if m == nil || string(m[1]) != strconv.Itoa(seq) {
		return nil
	}
	if q == queue.Corrupt {
		t.Errorf("message %d (%s) was moved to the corrupt queue", seq, id)
	}
	return &f.Envelope
}

// e2eCheckDrained waits until the sink has every accepted recipient and
// the queue is empty, then checks and reports the counts.
func e2eCheckDrained(t *testing.T, inst *harness.Instance, sink *e2eCountSink, load *e2eLoad, doneAt map[e2eKey]int32) {
	t.Helper()
	missing := func(got map[e2eKey][]int32) []e2eKey {
		var out []e2eKey
		for seq := range load.acked {
			for _, r := range e2eRcpts(seq) {
				if len(got[e2eKey{seq, r}]) == 0 {
					out = append(out, e2eKey{seq, r})
				}
			}
		}
		return out
	}
	deadline := time.Now().Add(120 * time.Second)
	for len(missing(sink.deliveries())) > 0 || e2ePostqueue(t, inst, "-p") != "Mail queue is empty\n" {
		if time.Now().After(deadline) {
			lost := missing(sink.deliveries())
			sort.Slice(lost, func(i, j int) bool { return lost[i].seq < lost[j].seq })
			if len(lost) > 10 {
				lost = lost[:10]
			}
			t.Fatalf("not drained: %d recipients missing (first %v), queue:\n%s", len(missing(sink.deliveries())), lost,
				e2eHead(e2ePostqueue(t, inst, "-p"), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := sink.deliveries()
	var recipients, dups, violations, unacked int
	for k, epochs := range got {
		recipients++
		dups += len(epochs) - 1
		if _, ok := load.acked[k.seq]; !ok {
			unacked++
		}
		if first, ok := doneAt[k]; ok {
			for _, e := range epochs {
				if e > first {
					violations++
					t.Errorf("message %d to <%s> was delivered again after the queue had it done (epochs %v)", k.seq, k.rcpt, epochs)
				}
			}
		}
	}
	t.Logf("crash test: %d messages tried, %d accepted with 250, %d recipients delivered (%d of messages without 250), "+
		"%d duplicate deliveries, %d of them after the queue had marked the recipient done, 0 lost; errors while up: %d",
		load.n, len(load.acked), recipients, unacked, dups, violations, len(load.upErrors))
	if len(load.upErrors) > 0 {
		t.Errorf("SMTP errors while the instance was up: %q", e2eFirst(load.upErrors, 5))
	}
}

func e2eHead(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func e2eFirst(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
