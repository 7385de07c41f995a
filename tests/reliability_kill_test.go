package tests

// Fault injection: kill -9 of one random child process at a time
// (smtpd, cleanup, qmgr, smtp, local, anvil) at random moments while a
// load of numbered messages goes through smtpd to three kinds of
// recipients: relayed by smtp(8) to a counting sink, delivered by
// local(8) to a command alias that records each delivery, and
// forwarded by local(8) through the cleanup daemon to the sink. When
// the load is done and the killing stops, the queue is flushed until it
// is empty: every recipient of every message that got 250 must have
// been delivered (lost: 0). Deliveries that happened twice are counted
// and reported; only a delivery in flight when its agent or the queue
// manager died can repeat, and their number is bounded by the kills.
//
// The quick form sends 3000 messages with a kill every 0.1 to 0.3
// seconds; POSTERN_SOAK=1 sends 30000 with a kill every 0.05 to 0.4
// seconds, for as long as the load runs.

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// relKillTargets are the programs killed, by command name.
var relKillTargets = []string{"smtpd", "cleanup", "qmgr", "smtp", "local", "anvil"}

// relRcpts are the recipients of message seq: always one relayed; every
// third also one local command delivery, every fifth one forwarded.
func relRcpts(seq int) []string {
	r := []string{fmt.Sprintf("a%d@example.net", seq)}
	if seq%3 == 0 {
		r = append(r, fmt.Sprintf("lcount+%d@localhost", seq))
	}
	if seq%5 == 0 {
		r = append(r, fmt.Sprintf("lfwd+%d@localhost", seq))
	}
	return r
}

// relDelivered maps a recipient to the key its delivery is recorded
// under: the sink records the forwarded copy's address.
func relDelivered(seq int, rcpt string) e2eKey {
	if strings.HasPrefix(rcpt, "lfwd+") {
		return e2eKey{seq, "fwd@example.org"}
	}
	return e2eKey{seq, rcpt}
}

const relCountScript = `#!/bin/sh
awk -v r="$ORIGINAL_RECIPIENT" '/^X-E2E-Seq:/ && s == "" { s = $2 } END { print s, r }' >> %s
`

func TestReliabilityRandomChildKill(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("local(8) runs as root and delivers to a command as nobody: needs root")
	}
	msgs, gap := 3000, [2]int{100, 300}
	if os.Getenv("POSTERN_SOAK") == "1" {
		msgs, gap = 30000, [2]int{50, 400}
	}
	sink, err := startCountSink()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.close()
	inst, localLog := relKillInstance(t, sink.port())
	load := startRelLoad(inst.Addr(t, "smtp"), msgs, 20, relRcpts)
	defer load.halt()
	kills := relKiller(t, inst, gap, load)
	load.wait()
	acked := load.snapshot()
	t.Logf("load done: %d messages tried, %d accepted, %d sessions broken, %d SMTP error replies; kills: %v",
		msgs, len(acked), load.connFails, len(load.replies), kills.counts())
	if len(load.replies) > 0 {
		t.Errorf("SMTP error replies under fault injection: %q", e2eFirst(load.replies, 5))
	}
	got := relWaitDrained(t, inst, sink, localLog, acked)
	relReport(t, "kill -9 of random children", acked, got, kills.total(), kills.counts())
}

// relKillInstance starts a null client with local delivery: aliases
// lcount (a command recording each delivery in localLog) and lfwd
// (forwarded to fwd@example.org).
func relKillInstance(t *testing.T, sinkPort string) (*harness.Instance, string) {
	inst := harness.New(t, nil, e2eMasterCF(t, "virtual"))
	localLog := filepath.Join(inst.Dir, "out", "local.log")
	os.MkdirAll(filepath.Dir(localLog), 0o777)
	os.Chmod(filepath.Dir(localLog), 0o777)
	script := filepath.Join(inst.Dir, "count")
	os.WriteFile(script, []byte(fmt.Sprintf(relCountScript, localLog)), 0o755)
	aliases := filepath.Join(inst.Dir, "aliases")
	os.WriteFile(aliases, []byte("postmaster: root\nlcount: \"|"+script+"\"\nlfwd: fwd@example.org\n"), 0o644)
	if o, err := exec.Command(filepath.Join(harness.Build(t, "postalias"), "postalias"), "-c", inst.ConfigDir, aliases).CombinedOutput(); err != nil {
		t.Fatalf("postalias: %v\n%s", err, o)
	}
	inst.WriteMainCF(t, []string{
		"myhostname = client.example.com", "mydomain = example.com", "mydestination = localhost",
		"relayhost = [127.0.0.1]:" + sinkPort, "alias_maps = hash:" + aliases, "alias_database = hash:" + aliases,
		"local_recipient_maps =", "recipient_delimiter = +", "biff = no",
		// smtpd asks anvil about every client, 127.0.0.1 included.
		"smtpd_client_event_limit_exceptions =",
		// Quick recovery: a killed child throttles its service for 2s,
		// deferred mail is retried every 2 to 4 seconds.
		"service_throttle_time = 2s", "queue_run_delay = 2s", "minimal_backoff_time = 2s", "maximal_backoff_time = 4s",
	})
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	return inst, localLog
}

// relKills tallies the kills by program.
type relKills struct {
	mu sync.Mutex
	n  map[string]int
}

func (k *relKills) add(name string) { k.mu.Lock(); k.n[name]++; k.mu.Unlock() }

func (k *relKills) counts() map[string]int {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]int{}
	for a, b := range k.n {
		out[a] = b
	}
	return out
}

func (k *relKills) total() int {
	n := 0
	for _, v := range k.counts() {
		n += v
	}
	return n
}

// relKiller kills a random child of a random kind every gap[0] to
// gap[1] milliseconds until the load is done.
func relKiller(t *testing.T, inst *harness.Instance, gap [2]int, load *relLoad) *relKills {
	k := &relKills{n: map[string]int{}}
	done := make(chan struct{})
	go func() {
		load.wait()
		close(done)
	}()
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("POSTERN_KILL_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("kill seed %d (POSTERN_KILL_SEED repeats the choices, not the timing)", seed)
	rng := rand.New(rand.NewSource(seed))
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(gap[0]+rng.Intn(gap[1]-gap[0])) * time.Millisecond):
			}
			name := relKillTargets[rng.Intn(len(relKillTargets))]
			if procs := inst.Children(name); len(procs) > 0 {
				if syscall.Kill(procs[rng.Intn(len(procs))].PID, syscall.SIGKILL) == nil {
					k.add(name)
				}
			}
		}
	}()
	return k
}

// relWaitDrained flushes the queue until every accepted recipient was
// delivered and the queue is empty (bounded), and returns the
// deliveries: how many times each recipient arrived.
func relWaitDrained(t *testing.T, inst *harness.Instance, sink *e2eCountSink, localLog string, acked map[int]string) map[e2eKey]int {
	deadline := time.Now().Add(3 * time.Minute)
	lastFlush := time.Time{}
	for {
		got := relDeliveries(sink, localLog)
		missing := relMissing(acked, got)
		queue := e2ePostqueue(t, inst, "-p")
		if len(missing) == 0 && queue == "Mail queue is empty\n" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %d recipients missing (first %v), queue:\n%s", len(missing), e2eFirstKeys(missing, 10), e2eHead(queue, 3000))
		}
		if time.Since(lastFlush) > 5*time.Second {
			// While qmgr is throttled after a kill, postqueue -f may
			// find the mail system down: try again later.
			exec.Command(filepath.Join(inst.BinDir, "postqueue"), "-c", inst.ConfigDir, "-f").Run()
			lastFlush = time.Now()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// relDeliveries merges the sink's records and the local command's log.
func relDeliveries(sink *e2eCountSink, localLog string) map[e2eKey]int {
	got := map[e2eKey]int{}
	for k, epochs := range sink.deliveries() {
		got[k] += len(epochs)
	}
	f, err := os.Open(localLog)
	if err != nil {
		return got
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 2 {
			continue
		}
		seq, err := strconv.Atoi(fs[0])
		if err == nil {
			got[e2eKey{seq, fs[1]}]++
		}
	}
	return got
}

func relMissing(acked map[int]string, got map[e2eKey]int) []e2eKey {
	var out []e2eKey
	for seq := range acked {
		for _, r := range relRcpts(seq) {
			if got[relDelivered(seq, r)] == 0 {
				out = append(out, relDelivered(seq, r))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func e2eFirstKeys(k []e2eKey, n int) []e2eKey {
	if len(k) > n {
		return k[:n]
	}
	return k
}

// relReport logs the counts and checks them: nothing lost, duplicates
// only for deliveries in flight at a kill (at most two recipients per
// delivery, and up to the destination concurrency when qmgr died).
func relReport(t *testing.T, what string, acked map[int]string, got map[e2eKey]int, kills int, detail map[string]int) {
	var want, delivered, dups, unacked int
	for seq := range acked {
		want += len(relRcpts(seq))
	}
	for k, n := range got {
		delivered += n
		dups += n - 1
		if _, ok := acked[k.seq]; !ok {
			unacked++
		}
	}
	t.Logf("reliability (%s): %d messages accepted, %d recipients accepted, %d deliveries "+
		"(%d recipients of messages that never got 250), lost 0, duplicated %d; kills %v",
		what, len(acked), want, delivered, unacked, dups, detail)
	if bound := 2*kills + 40*detail["qmgr"]; dups > bound {
		t.Errorf("%d duplicate deliveries after %d kills (bound %d)", dups, kills, bound)
	}
}
