package queue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testLayout makes a queue tree under a temp dir.
func testLayout(t testing.TB, long bool) *Layout {
	t.Helper()
	l, err := NewLayoutFrom(t.TempDir(), []string{"deferred", "defer"}, 1, long)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	return l
}

// writeMessage writes and commits a message with the given content.
func writeMessage(t testing.TB, l *Layout, rcpts []Recipient, late []Recipient, content string) string {
	t.Helper()
	w, err := l.Create()
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.AddAttr(AttrClientName, "mail.example.com"))
	must(t, w.AddAttr(AttrClientAddr, "192.0.2.10"))
	must(t, w.SetSender("alice@example.com"))
	for _, r := range rcpts {
		must(t, w.AddRecipient(r))
	}
	if _, err := io.WriteString(w, content); err != nil {
		t.Fatal(err)
	}
	must(t, w.EndContent())
	for _, r := range late {
		must(t, w.AddRecipient(r))
	}
	must(t, w.AddAttr(AttrMessageID, "<x@y>"))
	id := w.ID()
	must(t, w.Commit(Incoming))
	return id
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	l := testLayout(t, false)
	rcpts := []Recipient{
		{Address: "bob@example.net", Orig: "bob", ORCPT: "rfc822;bob@example.net", Notify: NotifySuccess | NotifyFailure},
		{Address: "", Orig: ""},
		{Address: strings.Repeat("x", 300) + "@example.org", Notify: NotifyNever},
	}
	late := []Recipient{{Address: "late@example.com", Orig: "late@example.com"}}
	content := "Subject: hi\n\nbody line\n" + strings.Repeat("z", 70000) + "\n"
	before := time.Now()
	id := writeMessage(t, l, rcpts, late, content)

	f, err := Open(l.Path(Incoming, id), true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.ID != id || f.Sender != "alice@example.com" {
		t.Errorf("id %q sender %q", f.ID, f.Sender)
	}
	if f.Arrival.Before(before.Truncate(time.Microsecond)) || f.Arrival.After(time.Now()) {
		t.Errorf("arrival %v", f.Arrival)
	}
	want := append(append([]Recipient{}, rcpts...), late...)
	if len(f.Recipients) != len(want) {
		t.Fatalf("recipients %+v", f.Recipients)
	}
	for i := range want {
		got := f.Recipients[i]
		got.Offset = 0
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("recipient %d = %+v, want %+v", i, got, want[i])
		}
	}
	if f.Attr(AttrClientName) != "mail.example.com" || f.Attr(AttrMessageID) != "<x@y>" {
		t.Errorf("attrs %v", f.Attrs)
	}
	got, _ := io.ReadAll(f.Content())
	if string(got) != content || f.ContentSize != int64(len(content)) {
		t.Errorf("content differs (%d bytes, want %d)", len(got), len(content))
	}
	st, _ := os.Stat(f.Path)
	if st.Mode().Perm() != ModeComplete {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestEmptyContentAndOrderErrors(t *testing.T) {
	l := testLayout(t, true)
	w, err := l.Create()
	must(t, err)
	must(t, w.AddRecipient(Recipient{Address: "a@b"}))
	if err := w.SetSender("x"); err != nil {
		t.Fatal(err)
	}
	if err := w.SetSender("y"); err == nil {
		t.Error("duplicate sender accepted")
	}
	must(t, w.Commit(Hold))
	env, err := ReadEnvelope(l.Path(Hold, w.ID()))
	must(t, err)
	if env.ContentSize != 0 || len(env.Recipients) != 1 {
		t.Errorf("%+v", env)
	}
	if !IsLongID(w.ID()) {
		t.Errorf("%s is not a long ID", w.ID())
	}
	w2, _ := l.Create()
	if err := w2.Commit(Incoming); err == nil || !strings.Contains(err.Error(), "no sender") {
		t.Errorf("commit without sender: %v", err)
	}
	if _, err := os.Stat(w2.tmp); !errors.Is(err, os.ErrNotExist) {
		t.Error("failed commit left its temporary file")
	}
}

func TestAbortRemovesFile(t *testing.T) {
	l := testLayout(t, false)
	w, err := l.Create()
	must(t, err)
	w.Abort()
	w.Abort()
	ents, _ := os.ReadDir(l.QueueDir(Incoming))
	if len(ents) != 0 {
		t.Errorf("left %v", ents)
	}
}

// TestCommitDurabilityOrder checks that Commit makes the bytes stable
// before the name appears, and the name stable before it returns.
func TestCommitDurabilityOrder(t *testing.T) {
	l := testLayout(t, false)
	var steps []string
	durabilityStep = func(step, path string) {
		steps = append(steps, step)
		if step == "rename" {
			// Nothing may have happened to the file after its fsync.
			st, err := os.Stat(path)
			if err != nil || !IsComplete(st.Mode()) {
				t.Errorf("renamed file not complete: %v %v", st, err)
			}
		}
	}
	defer func() { durabilityStep = func(string, string) {} }()
	id := writeMessage(t, l, []Recipient{{Address: "a@b"}}, nil, "x\n")
	want := []string{"header", "chmod", "fsync-file", "rename", "fsync-dir"}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
	steps = nil
	// A hashed queue whose subdirectory does not exist yet.
	w, _ := l.Create()
	must(t, w.SetSender(""))
	must(t, w.AddRecipient(Recipient{Address: "a@b"}))
	must(t, w.Commit(Deferred))
	if _, err := os.Stat(filepath.Join(l.Dir, "deferred", w.ID()[:1], w.ID())); err != nil {
		t.Error(err)
	}
	_ = id
}

func TestRenameNeverReplaces(t *testing.T) {
	l := testLayout(t, false)
	w, _ := l.Create()
	must(t, w.SetSender(""))
	must(t, w.AddRecipient(Recipient{Address: "a@b"}))
	// Pretend a file with this ID exists (an inode/time collision).
	dst := l.Path(Incoming, w.ID())
	must(t, os.WriteFile(dst, []byte("other"), 0o700))
	if err := w.Commit(Incoming); err == nil {
		t.Fatal("commit replaced an existing file")
	}
	if b, _ := os.ReadFile(dst); string(b) != "other" {
		t.Error("existing file changed")
	}
}

func TestMarkDone(t *testing.T) {
	l := testLayout(t, false)
	id := writeMessage(t, l, []Recipient{{Address: "a@x"}, {Address: "b@x"}}, []Recipient{{Address: "c@x"}}, "hello\n")
	path := l.Path(Incoming, id)
	before, _ := os.ReadFile(path)
	f, err := Open(path, true)
	must(t, err)
	must(t, f.MarkDone(0, 2))
	must(t, f.MarkDone(2)) // idempotent
	if err := f.MarkDone(3); err == nil {
		t.Error("bad index accepted")
	}
	f.Close()
	env, err := ReadEnvelope(path)
	must(t, err)
	if !env.Recipients[0].Done || env.Recipients[1].Done || !env.Recipients[2].Done {
		t.Errorf("done flags %+v", env.Recipients)
	}
	if p := env.Pending(); !reflect.DeepEqual(p, []int{1}) {
		t.Errorf("pending %v", p)
	}
	must(t, MarkDoneAt(path, env.Recipients[1].Offset))
	after, _ := os.ReadFile(path)
	if diff := diffBytes(before, after); !reflect.DeepEqual(diff, []int64{env.Recipients[0].Offset, env.Recipients[1].Offset, env.Recipients[2].Offset}) {
		t.Errorf("changed bytes at %v", diff)
	}
	if err := MarkDoneAt(path, HeaderSize+1); err == nil || !errors.Is(err, ErrCorrupt) {
		t.Errorf("MarkDoneAt on a non-recipient offset: %v", err)
	}
}

func diffBytes(a, b []byte) []int64 {
	var out []int64
	for i := range a {
		if a[i] != b[i] {
			out = append(out, int64(i))
		}
	}
	return out
}

func TestWarnTime(t *testing.T) {
	l := testLayout(t, false)
	w, _ := l.Create()
	must(t, w.SetSender("s"))
	must(t, w.AddRecipient(Recipient{Address: "a@b"}))
	warn := time.Unix(1700000000, 0)
	w.SetWarnTime(warn)
	must(t, w.Commit(Incoming))
	f, err := Open(l.Path(Incoming, w.ID()), true)
	must(t, err)
	defer f.Close()
	if !f.WarnTime.Equal(warn) {
		t.Errorf("warn %v", f.WarnTime)
	}
	must(t, f.SetWarnTime(time.Time{}))
	env, _ := ReadEnvelope(f.Path)
	if !env.WarnTime.IsZero() {
		t.Errorf("warn not cleared: %v", env.WarnTime)
	}
}

func TestCorruptFiles(t *testing.T) {
	l := testLayout(t, false)
	id := writeMessage(t, l, []Recipient{{Address: "a@x"}}, nil, "hello\n")
	good, _ := os.ReadFile(l.Path(Incoming, id))
	cases := map[string][]byte{
		"empty":     {},
		"truncated": good[:len(good)-1],
		"extended":  append(append([]byte{}, good...), 'E', 0),
		"magic":     append([]byte("XOSTERNQ"), good[8:]...),
	}
	// Every single-byte change in the header and envelope is noticed or
	// harmless; truncation at every length is always noticed.
	for n := 0; n < len(good); n++ {
		if _, err := Parse(bytes.NewReader(good[:n]), int64(n)); err == nil {
			t.Errorf("truncated to %d bytes parsed", n)
		}
	}
	for name, data := range cases {
		if _, err := Parse(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Errorf("%s: parsed", name)
		} else if name != "empty" && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v is not ErrCorrupt", name, err)
		}
	}
}

func TestIDs(t *testing.T) {
	ts := time.Unix(1732210800, 123456000)
	if got := NewID(ts, 0x2E5, false); got != "1E240"+"2E5" {
		t.Errorf("short id %s", got)
	}
	long := NewID(ts, 123456789, true)
	if !IsLongID(long) || !ValidID(long) {
		t.Errorf("long id %s", long)
	}
	if ino, ok := IDInode(long); !ok || ino != 123456789 {
		t.Errorf("inode of %s = %d %v", long, ino, ok)
	}
	if tm, ok := IDTime(long); !ok || !tm.Equal(ts) {
		t.Errorf("time of %s = %v", long, tm)
	}
	if ino, ok := IDInode("1E2402E5"); !ok || ino != 0x2E5 {
		t.Errorf("short inode %x", ino)
	}
	for _, bad := range []string{"", "a.b", "a/b", strings.Repeat("A", 256)} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
	if strings.ContainsAny(safeEncode(123456789, 51, 0), "zAEIOUaeiou") {
		t.Error("base 51 uses z or a vowel")
	}
}

func TestHashedPaths(t *testing.T) {
	l, _ := NewLayoutFrom("/q", []string{"deferred", "defer"}, 2, false)
	for _, c := range []struct{ queue, id, want string }{
		{"deferred", "ABCDEF123", "/q/deferred/A/B/ABCDEF123"},
		{"DEFER", "ABCDEF123", "/q/DEFER/A/B/ABCDEF123"},
		{"incoming", "ABCDEF123", "/q/incoming/ABCDEF123"},
		{"defer", "A", "/q/defer/A/_/A"},
	} {
		if got := l.Path(c.queue, c.id); got != c.want {
			t.Errorf("Path(%s,%s) = %s, want %s", c.queue, c.id, got, c.want)
		}
	}
	// A long ID hashes on its microseconds as five hex digits.
	id := NewID(time.Unix(1732210800, 0xABCDE*1000), 77, true)
	if got := l.Path("deferred", id); got != "/q/deferred/A/B/"+id {
		t.Errorf("long id path %s", got)
	}
}

func TestLogs(t *testing.T) {
	l := testLayout(t, false)
	id := "3F2A81C2E5"
	recs := []LogRecord{
		{Recipient: "bob@example.net", OrigRcpt: "bob", Offset: 123, DSNOrcpt: "rfc822;bob@example.net",
			Notify: NotifyFailure, Status: "4.4.1", Action: "delayed", DiagType: "smtp", DiagText: "421 busy",
			MTAType: "dns", MTAName: "mx.example.net", Reason: "connect to mx.example.net[192.0.2.1]:25:\nConnection refused"},
		{Recipient: "", Status: "5.1.1", Action: "failed", Reason: "unknown user"},
	}
	must(t, l.AppendLog(Defer, id, recs[0]))
	must(t, l.AppendLog(Defer, id, recs[1]))
	if _, err := os.Stat(filepath.Join(l.Dir, "defer", "3", id)); err != nil {
		t.Fatal("defer log not hashed:", err)
	}
	got, err := l.ReadLog(Defer, id)
	must(t, err)
	recs[0].Reason = strings.ReplaceAll(recs[0].Reason, "\n", " ")
	if !reflect.DeepEqual(got, recs) {
		t.Errorf("got %+v\nwant %+v", got, recs)
	}
	// A record cut short by a crash is ignored.
	f, _ := os.OpenFile(l.Path(Defer, id), os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprint(f, "\nrecipient=half@x\nstatus=4.0.0\n")
	f.Close()
	got, _ = l.ReadLog(Defer, id)
	if len(got) != 2 {
		t.Errorf("torn record read: %+v", got)
	}
	if none, err := l.ReadLog(Bounce, id); none != nil || err != nil {
		t.Errorf("missing log: %v %v", none, err)
	}
}

func TestScanAndMove(t *testing.T) {
	l := testLayout(t, false)
	id1 := writeMessage(t, l, []Recipient{{Address: "a@x"}}, nil, "1\n")
	id2 := writeMessage(t, l, []Recipient{{Address: "b@x"}}, nil, "2\n")
	w, _ := l.Create() // in flight: never listed
	defer w.Abort()
	must(t, l.Move(id2, Incoming, Deferred))
	var seen []string
	for _, q := range []string{Incoming, Deferred} {
		must(t, l.Scan(q, func(e Entry) error { seen = append(seen, e.Queue+"/"+e.ID); return nil }))
	}
	want := []string{"incoming/" + id1, "deferred/" + id2}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("scan %v, want %v", seen, want)
	}
	q, p, err := l.Find(id2, Incoming, Active, Deferred)
	if err != nil || q != Deferred || p != l.Path(Deferred, id2) {
		t.Errorf("Find: %s %s %v", q, p, err)
	}
	if _, _, err := l.Find("ABCDEF", Incoming); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find missing: %v", err)
	}
	// ScanIDs names every regular file with a queue ID, complete or not
	// (qmgr looks at each when it takes it), and nothing else.
	must(t, os.Symlink(l.Path(Incoming, id1), l.Path(Incoming, "ABCDEF123")))
	must(t, os.Mkdir(l.Path(Incoming, "BCDEF1234"), 0o700))
	ids := map[string]bool{}
	must(t, l.ScanIDs(Incoming, func(id string) error { ids[id] = true; return nil }))
	if !ids[id1] || ids["ABCDEF123"] || ids["BCDEF1234"] || ids[id2] {
		t.Errorf("ScanIDs(incoming) = %v, want %s and the file in flight", ids, id1)
	}
}

func TestNotify(t *testing.T) {
	for _, c := range []struct {
		in   string
		mask int
		ok   bool
	}{
		{"", 0, true}, {"NEVER", NotifyNever, true}, {"success,Failure", NotifySuccess | NotifyFailure, true},
		{"NEVER,DELAY", 0, false}, {"BOGUS", 0, false},
	} {
		mask, ok := ParseNotify(c.in)
		if mask != c.mask || ok != c.ok {
			t.Errorf("ParseNotify(%q) = %d %v", c.in, mask, ok)
		}
	}
	if s := FormatNotify(NotifyDelay | NotifySuccess); s != "SUCCESS,DELAY" {
		t.Error(s)
	}
}

func TestRecordTooLarge(t *testing.T) {
	l := testLayout(t, false)
	w, _ := l.Create()
	defer w.Abort()
	if err := w.AddAttr("big", strings.Repeat("x", maxPayload)); err == nil {
		t.Error("oversized record accepted")
	}
}
