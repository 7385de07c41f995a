package tests

// Fault injection: the queue file system fills up. The queue directory
// is a 4 MB tmpfs mounted by the test (root only), under a null client
// whose next hop first answers 421, so that five messages wait in the
// deferred queue. Then the file system is filled:
//
//   - below queue_minfree, MAIL gets "452 4.3.1 Insufficient system
//     storage" before anything is accepted;
//   - with queue_minfree = 0 and no message_size_limit, a message larger
//     than the free space is refused at the end of data with a 4xx, and
//     no partial queue file is left;
//   - with no byte left, a queue run retries the deferred mail: nothing
//     is lost, nothing moves to the corrupt queue;
//   - once space is back and the next hop accepts, every queued message
//     is delivered exactly once, and new mail is accepted again.
//
// The same steps run against the real Postfix 3.7 on its own tmpfs when
// it is installed; the replies of both must be the same.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/tests/harness"
)

// diskMTA is one MTA of the disk test.
type diskMTA struct {
	name      string
	queueDir  string
	sink      *recordSink
	addr      func(service string) string
	postqueue func(args ...string) string
	log       func() string
}

// diskServices: queue_minfree is smtpd's own check, so it is set on
// the "smtp" service only; message_size_limit is unlimited in main.cf,
// as cleanup (in Postfix a daemon of its own, with main.cf's settings)
// enforces it too.
const diskServices = "127.0.0.1:{port:smtp} inet n - n - - smtpd\n  -o queue_minfree=1000000\n  -o message_size_limit=200000\n" +
	"127.0.0.1:{port:nominfree} inet n - n - - smtpd\n"

func diskMainCF(sinkPort string) []string {
	return []string{"myhostname = mx.example.test", "mydestination =", "relayhost = [127.0.0.1]:" + sinkPort,
		"local_transport = error:local delivery is disabled", "queue_minfree = 0",
		"message_size_limit = 0", "minimal_backoff_time = 300s", "smtpd_peername_lookup = no"}
}

func diskMasterCF(t *testing.T) string {
	stock := regexp.MustCompile(`(?m)^127\.0\.0\.1:\{port:smtp\}\s+inet\s.*\n`).ReplaceAllString(e2eMasterCF(t, "local", "virtual"), "")
	return diskServices + stock
}

// mountTmpfs mounts a 4 MB tmpfs on dir until the test ends (after the
// instance using it has stopped: cleanups run last-registered first).
func mountTmpfs(t *testing.T, dir string) {
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

func TestReliabilityDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs on the queue directory needs root")
	}
	mtas := []*diskMTA{startDiskPostern(t)}
	if pf := startDiskPostfix(t); pf != nil {
		mtas = append(mtas, pf)
	}
	results := make([][]string, len(mtas))
	for i, m := range mtas {
		results[i] = runDiskFull(t, m)
	}
	if len(results) == 2 {
		compareTranscripts(t, "disk full replies", results[1], results[0])
	}
}

func startDiskPostern(t *testing.T) *diskMTA {
	sink := startRecordSink(t)
	sink.setMode(sinkTempFail)
	inst := harness.New(t, diskMainCF(sink.port()), diskMasterCF(t))
	mountTmpfs(t, inst.QueueDir)
	inst.Start(t)
	inst.WaitListen(t, "smtp")
	return &diskMTA{name: "postern", queueDir: inst.QueueDir, sink: sink,
		addr: func(s string) string { return inst.Addr(t, s) },
		postqueue: func(args ...string) string {
			out, _ := exec.Command(filepath.Join(inst.BinDir, "postqueue"), append([]string{"-c", inst.ConfigDir}, args...)...).CombinedOutput()
			return string(out)
		},
		log: inst.Log}
}

func startDiskPostfix(t *testing.T) *diskMTA {
	if _, err := os.Stat("/usr/sbin/postfix"); err != nil {
		return nil
	}
	sink := startRecordSink(t)
	sink.setMode(sinkTempFail)
	ports := map[string]int{}
	master := regexp.MustCompile(`\{port:([a-z]+)\}`).ReplaceAllStringFunc(diskMasterCF(t), func(ref string) string {
		name := ref[6 : len(ref)-1]
		if ports[name] == 0 {
			ports[name] = harness.FreePort(t)
		}
		return strconv.Itoa(ports[name])
	})
	pf := newRealPostfix(t, append(diskMainCF(sink.port()), "inet_interfaces = 127.0.0.1"), master)
	mountTmpfs(t, filepath.Join(pf.dir, "queue"))
	pf.start(t)
	for _, p := range ports {
		if !dialable("127.0.0.1:" + strconv.Itoa(p)) {
			t.Fatalf("postfix: nothing on port %d:\n%s", p, pf.log())
		}
	}
	return &diskMTA{name: "postfix", queueDir: filepath.Join(pf.dir, "queue"), sink: sink,
		addr: func(s string) string { return "127.0.0.1:" + strconv.Itoa(ports[s]) },
		postqueue: func(args ...string) string {
			out, _ := exec.Command("/usr/sbin/postqueue", append([]string{"-c", pf.conf}, args...)...).CombinedOutput()
			return string(out)
		},
		log: pf.log}
}

// runDiskFull runs the steps against m and returns the replies that
// the two MTAs must share.
func runDiskFull(t *testing.T, m *diskMTA) []string {
	var replies []string
	for i := 0; i < 5; i++ {
		if r := diskSend(t, m.addr("smtp"), fmt.Sprintf("queued %d", i), 1); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("%s: message %d before the disk fills: %q", m.name, i, r)
		}
	}
	diskWait(t, m, "five deferred messages", func() bool { return strings.Count(m.log(), "status=deferred") >= 5 })
	before := diskQueued(m)

	filler := filepath.Join(m.queueDir, "filler")
	fill(t, filler, 600*1024)
	c := dialSMTP(t, m.addr("smtp"))
	replies = append(replies, "connect -> "+c.reply(), "MAIL below queue_minfree -> "+c.cmd("MAIL FROM:<a@example.com>"))
	c.cmd("QUIT")
	replies = append(replies, "message larger than the free space -> "+diskSend(t, m.addr("nominfree"), "too big", 1500))
	// The refused file goes away once the session is over (Postfix's
	// cleanup may still be removing it when the reply arrives).
	var left []string
	for deadline := time.Now().Add(10 * time.Second * time.Duration(harness.RaceScale)); ; {
		left, _ = filepath.Glob(filepath.Join(m.queueDir, "incoming", "*"))
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("%s: partial queue files left in incoming: %v", m.name, left)
	}

	fill(t, filler+"2", 0) // not a byte left
	m.postqueue("-f")
	diskWait(t, m, "a queue run on a full disk", func() bool { return strings.Count(m.log(), "status=deferred") >= 10 })
	if after := diskQueued(m); !allIn(before, after) {
		t.Errorf("%s: queue on a full disk:\n%s\nwas:\n%s", m.name, after, before)
	}
	if bad, _ := filepath.Glob(filepath.Join(m.queueDir, "corrupt", "*")); len(bad) > 0 {
		t.Errorf("%s: files in the corrupt queue: %v", m.name, bad)
	}

	os.Remove(filler)
	os.Remove(filler + "2")
	m.sink.setMode(sinkAccept)
	if r := diskSend(t, m.addr("smtp"), "after", 1); !strings.HasPrefix(r, "250 ") {
		t.Errorf("%s: new mail with space back: %q", m.name, r)
	}
	// Flush again now and then: a message that reached qmgr while the
	// next hop was still marked dead is deferred after the first flush.
	lastFlush := time.Time{}
	diskWait(t, m, "six messages delivered", func() bool {
		if time.Since(lastFlush) > 3*time.Second {
			m.postqueue("-f")
			lastFlush = time.Now()
		}
		return diskDelivered(m) >= 6 && !strings.Contains(m.postqueue("-p"), "a@example.com")
	})
	if n := diskDelivered(m); n != 6 {
		t.Errorf("%s: %d messages delivered, want 6 (5 queued before the disk filled, 1 after)", m.name, n)
	}
	t.Logf("reliability (disk full, %s): 6 messages accepted, %d delivered, 0 lost; replies %q", m.name, diskDelivered(m), replies)
	return replies
}

// diskDelivered counts the test's messages at the next hop (Postfix
// also sends the postmaster a notice of the write error, notify_classes
// resource, which Postern does not).
func diskDelivered(m *diskMTA) int {
	n := 0
	for _, msg := range m.sink.messages() {
		if msg.From == "a@example.com" {
			n++
		}
	}
	return n
}

// diskSend sends one message of about kb kilobytes and returns the
// reply to its end of data (or to the command that failed).
func diskSend(t *testing.T, addr, subject string, kb int) string {
	c := dialSMTP(t, addr)
	defer c.cmd("QUIT")
	if r := c.reply(); !strings.HasPrefix(r, "220 ") {
		return r
	}
	c.cmd("EHLO client.example")
	for _, cmd := range []string{"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.net>"} {
		if r := c.cmd(cmd); !strings.HasPrefix(r, "250 ") {
			return r
		}
	}
	if r := c.cmd("DATA"); !strings.HasPrefix(r, "354 ") {
		return r
	}
	fmt.Fprintf(c.c, "Subject: %s\r\n\r\n", subject)
	line := strings.Repeat("x", 1022) + "\r\n"
	for i := 0; i < kb; i++ {
		c.c.Write([]byte(line))
	}
	return c.cmd(".")
}

// diskQueued lists the queue IDs (postqueue -p's first column).
func diskQueued(m *diskMTA) string {
	var ids []string
	for _, l := range strings.Split(m.postqueue("-p"), "\n") {
		if f := strings.Fields(l); len(f) > 0 && regexp.MustCompile(`^[0-9A-Za-z]{6,}[*!]?$`).MatchString(f[0]) {
			ids = append(ids, strings.TrimRight(f[0], "*!"))
		}
	}
	return strings.Join(ids, " ")
}

// fill writes a file that leaves about left bytes free on its file
// system (as much as fits when left is 0).
func fill(t *testing.T, path string, left int64) {
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(path), &st); err != nil {
		t.Fatal(err)
	}
	size := int64(st.Bavail)*int64(st.Bsize) - left
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64*1024)
	for size > 0 {
		n := int64(len(buf))
		if size < n {
			n = size
		}
		if _, err := f.Write(buf[:n]); err != nil {
			return // full
		}
		size -= n
	}
}

func diskWait(t *testing.T, m *diskMTA, what string, cond func() bool) {
	deadline := time.Now().Add(60 * time.Second * harness.RaceScale) // a race-built Postern is slower
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out waiting for %s; queue:\n%s\nlog:\n%s", m.name, what, m.postqueue("-p"), e2eHead(m.log(), 6000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// allIn reports whether every word of a is in b (Postfix may queue
// notices of its own, notify_classes resource, next to the mail).
func allIn(a, b string) bool {
	have := map[string]bool{}
	for _, w := range strings.Fields(b) {
		have[w] = true
	}
	for _, w := range strings.Fields(a) {
		if !have[w] {
			return false
		}
	}
	return true
}
