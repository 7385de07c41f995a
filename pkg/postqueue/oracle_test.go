package postqueue

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/showq/oracle"
)

// ours runs this package's postqueue as root on dir.
func ours(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	st := Run(Env{Args: append([]string{"postqueue", "-c", dir}, args...), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), st
}

// blocks splits a postqueue -p listing into heading, message blocks
// (sorted: the order within a queue directory is the file system's) and
// summary.
func blocks(text string) (head string, msgs []string, tail string) {
	parts := strings.Split(text, "\n\n")
	if len(parts) == 1 {
		return text, nil, ""
	}
	first := parts[0]
	nl := strings.IndexByte(first, '\n')
	head, msgs = first[:nl+1], append([]string{first[nl+1:]}, parts[1:len(parts)-1]...)
	tail = parts[len(parts)-1]
	slices.Sort(msgs)
	return head, msgs, tail
}

func compareListings(t *testing.T, what, real, got string) {
	t.Helper()
	rh, rm, rt := blocks(real)
	gh, gm, gt := blocks(got)
	if rh != gh || rt != gt || !slices.Equal(rm, gm) {
		t.Errorf("%s differs from the real postqueue.\nreal:\n%s\nours:\n%s", what, real, got)
	}
}

func compareJSON(t *testing.T, real, got string) {
	t.Helper()
	rl := strings.Split(strings.TrimSpace(real), "\n")
	gl := strings.Split(strings.TrimSpace(got), "\n")
	slices.Sort(rl)
	slices.Sort(gl)
	if !slices.Equal(rl, gl) {
		t.Errorf("postqueue -j differs.\nreal:\n%s\nours:\n%s", real, got)
	}
}

func TestListingMatchesRealPostfix(t *testing.T) {
	pf := oracle.Start(t)
	// An empty queue first.
	real := pf.Run(t, "postqueue", "-p")
	got, _, _ := ours(t, oracle.EquivalentQueue(t, nil), "-p")
	if real != "Mail queue is empty\n" || got != real {
		t.Errorf("empty queue: real %q, ours %q", real, got)
	}
	pf.Send(t, "alice@example.org", "Subject: one\n\nhello\n", "bob@example.net")
	pf.Send(t, "carol@example.org", "Subject: two\n\n"+strings.Repeat("long body line\n", 200),
		"dave@example.net", "erin@example.com", "frank@example.net")
	pf.Send(t, "", "Subject: null sender\n\nx\n", "gina@example.net")
	pf.Send(t, "henry@example.org", "Subject: mixed\n\nx\n", "ivy@temp.example", "jack@example.net", "kim@long.example")
	pf.Send(t, "liz@example.org", "Subject: hold me\n\nx\n", "mo@example.net", "ned@example.net")
	pf.Send(t, "\"odd user\"@example.org", "Subject: quoted\n\nx\n", "pat@example.net")
	msgs := pf.WaitQueue(t, 6)
	// Freeze the queue, then mark states by hand: one message forced to
	// expire, one moved to the active queue.
	pf.Run(t, "postfix", "stop")
	pf.OwnLog()
	var deferred []oracle.Msg
	for _, m := range msgs {
		if m.Queue == "deferred" {
			deferred = append(deferred, m)
		}
	}
	slices.SortFunc(deferred, func(a, b oracle.Msg) int { return strings.Compare(a.ID, b.ID) })
	pf.Run(t, "postsuper", "-e", deferred[0].ID)
	qdir := filepath.Join(pf.Dir, "queue")
	moveActive := deferred[1].ID
	if err := os.Rename(filepath.Join(qdir, "deferred", moveActive[:1], moveActive), filepath.Join(qdir, "active", moveActive)); err != nil {
		t.Fatal(err)
	}
	real = pf.Run(t, "postqueue", "-p")
	realJ := pf.Run(t, "postqueue", "-j")
	msgs = oracle.ParseJSON(t, realJ)
	dir := oracle.EquivalentQueue(t, msgs)
	got, stderr, st := ours(t, dir, "-p")
	if st != 0 || !strings.Contains(stderr, "postqueue: warning: Mail system is down -- accessing queue directly (Connect to the Postfix showq service: No such file or directory)") {
		t.Errorf("status %d, stderr %q", st, stderr)
	}
	compareListings(t, "postqueue -p", real, got)
	for _, want := range []string{"*", "!", "#", "MAILER-DAEMON", "(deferred transport)", "\n(This is", "Kbytes in 6 Requests."} {
		if !strings.Contains(real, want) {
			t.Errorf("scenario does not exercise %q:\n%s", want, real)
		}
	}
	gotJ, _, _ := ours(t, dir, "-j")
	compareJSON(t, realJ, gotJ)
	// Long queue ID format: the listing format follows the parameter.
	pf.Run(t, "postconf", "-e", "enable_long_queue_ids = yes")
	realLong := pf.Run(t, "postqueue", "-p")
	gotLong, _, _ := ours(t, oracle.EquivalentQueue(t, msgs, "enable_long_queue_ids = yes"), "-p")
	compareListings(t, "postqueue -p with enable_long_queue_ids", realLong, gotLong)
}
