package queue

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests run a child copy of the test binary that writes queue
// files (or marks recipients done) in a loop and reports each operation
// on stdout once it returned; the parent kills it with SIGKILL at a random
// moment and checks the queue. They test process crashes: data in the
// page cache survives, so fsync itself is checked by
// TestCommitDurabilityOrder, not here.

const crashChildEnv = "POSTERN_QUEUE_CRASH_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(crashChildEnv) {
	case "writer":
		crashWriter(os.Getenv("QDIR"))
		os.Exit(0)
	case "markdone":
		crashMarkDone(os.Getenv("QFILE"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashContent is the content of message number seq: its size varies
// from empty to a few hundred kilobytes so that kills land everywhere.
func crashContent(seq int) string {
	n := (seq * 7919) % 300000
	if seq%5 == 0 {
		n = seq % 100
	}
	line := fmt.Sprintf("message %d line\n", seq)
	return strings.Repeat(line, n/len(line)+1)[:n]
}

func crashWriter(qdir string) {
	l, err := NewLayoutFrom(qdir, []string{"deferred", "defer"}, 1, false)
	if err != nil {
		panic(err)
	}
	for seq := 0; ; seq++ {
		w, err := l.Create()
		if err != nil {
			panic(err)
		}
		w.SetSender("s@example.com")
		w.AddAttr("seq", strconv.Itoa(seq))
		for i := 0; i < seq%4+1; i++ {
			w.AddRecipient(Recipient{Address: fmt.Sprintf("r%d@example.com", i)})
		}
		content := crashContent(seq)
		for len(content) > 0 { // several writes, like smtpd streaming DATA
			n := min(len(content), 8192)
			w.Write([]byte(content[:n]))
			content = content[n:]
		}
		if err := w.Commit(Incoming); err != nil {
			panic(err)
		}
		fmt.Printf("%s %d\n", w.ID(), seq)
	}
}

// startChild starts the crash child and returns it with its stdout.
func startChild(t *testing.T, mode string, env ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, crashChildEnv+"="+mode)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewReader(out)
}

// killAfter reads n report lines, waits a little more, kills the child
// and returns every line it reported before dying.
func killAfter(t *testing.T, cmd *exec.Cmd, out *bufio.Reader, n int, extra time.Duration) []string {
	t.Helper()
	var lines []string
	for len(lines) < n {
		line, err := out.ReadString('\n')
		if err != nil {
			break // the child finished on its own
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	time.Sleep(extra)
	cmd.Process.Signal(syscall.SIGKILL)
	rest, _ := io.ReadAll(out)
	cmd.Wait()
	for _, line := range strings.Split(string(rest), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func TestCrashDuringCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	l := testLayout(t, false)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	committed := map[string]int{}
	for round := 0; round < 25; round++ {
		cmd, out := startChild(t, "writer", "QDIR="+l.Dir)
		lines := killAfter(t, cmd, out, rng.Intn(6), time.Duration(rng.Intn(20000))*time.Microsecond)
		for _, line := range lines {
			var id string
			var seq int
			if _, err := fmt.Sscanf(line, "%s %d", &id, &seq); err != nil {
				t.Fatalf("bad report %q", line)
			}
			committed[id] = seq
		}
		checkQueueAfterCrash(t, l, committed)
	}
}

// checkQueueAfterCrash: every file under an ID name is complete and
// intact; every reported commit is there.
func checkQueueAfterCrash(t *testing.T, l *Layout, committed map[string]int) {
	t.Helper()
	ents, err := os.ReadDir(l.QueueDir(Incoming))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	temps := 0
	for _, e := range ents {
		info, _ := e.Info()
		if !ValidID(e.Name()) {
			temps++ // a temporary file of a commit that did not return
			continue
		}
		found[e.Name()] = true
		if !IsComplete(info.Mode()) {
			t.Errorf("%s: ID-named file with mode %v", e.Name(), info.Mode())
			continue
		}
		checkCrashFile(t, l.Path(Incoming, e.Name()))
	}
	if testing.Verbose() {
		t.Logf("%d committed, %d complete files, %d temporary files", len(committed), len(found), temps)
	}
	for id := range committed {
		if !found[id] {
			t.Errorf("committed message %s is missing", id)
		}
	}
}

func checkCrashFile(t *testing.T, path string) {
	t.Helper()
	f, err := Open(path, false)
	if err != nil {
		t.Errorf("complete file does not parse: %v", err)
		return
	}
	defer f.Close()
	seq, _ := strconv.Atoi(f.Attr("seq"))
	got, _ := io.ReadAll(f.Content())
	if string(got) != crashContent(seq) || len(f.Recipients) != seq%4+1 {
		t.Errorf("%s: message %d content or recipients damaged", path, seq)
	}
}

func crashMarkDone(path string) {
	f, err := Open(path, true)
	if err != nil {
		panic(err)
	}
	for i := range f.Recipients {
		if err := f.MarkDone(i); err != nil {
			panic(err)
		}
		fmt.Println(i)
	}
}

func TestCrashDuringMarkDone(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	l := testLayout(t, false)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	var rcpts []Recipient
	for i := 0; i < 300; i++ {
		rcpts = append(rcpts, Recipient{Address: fmt.Sprintf("user%d@example.com", i), Notify: NotifyFailure})
	}
	for round := 0; round < 15; round++ {
		id := writeMessage(t, l, rcpts[:150], rcpts[150:], "Subject: x\n\nbody\n")
		path := l.Path(Incoming, id)
		before, _ := os.ReadFile(path)
		cmd, out := startChild(t, "markdone", "QFILE="+path)
		lines := killAfter(t, cmd, out, rng.Intn(len(rcpts)), time.Duration(rng.Intn(2000))*time.Microsecond)
		env, err := ReadEnvelope(path)
		if err != nil {
			t.Fatalf("file unreadable after crash: %v", err)
		}
		reported := len(lines)
		for i, r := range env.Recipients {
			switch {
			case i < reported && !r.Done:
				t.Errorf("recipient %d reported done but is not", i)
			case i > reported && r.Done:
				t.Errorf("recipient %d done but never marked", i)
			}
		}
		after, _ := os.ReadFile(path)
		for _, off := range diffBytes(before, after) {
			if before[off] != RecRcpt || after[off] != RecDone {
				t.Errorf("byte %d changed from %q to %q", off, before[off], after[off])
			}
		}
		os.Remove(path)
	}
}
