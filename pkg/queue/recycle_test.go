package queue

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

func recycled(t *testing.T, l *Layout) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(l.QueueDir(Recycle), "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestRecycleReuse: a finished message file goes to the recycle
// directory, and the next Create takes it: same inode, new queue ID, and
// exactly the new message's bytes after Commit, though the old one was
// longer.
func TestRecycleReuse(t *testing.T) {
	l := testLayout(t, false)
	long := string(bytes.Repeat([]byte("old content line\n"), 500))
	old := writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, long)
	must(t, l.Move(old, Incoming, Active))
	path := l.Path(Active, old)
	ino := inode(t, path)
	must(t, l.Recycle(path))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("finished file still in active: %v", err)
	}
	if got := recycled(t, l); len(got) != 1 || filepath.Base(got[0]) != "r."+old {
		t.Fatalf("recycle directory %v", got)
	}
	l.rec.emptyTill = time.Time{} // the first Create found the directory empty
	id := writeMessage(t, l, []Recipient{{Address: "b@example.com"}}, nil, "short\n")
	if id == old {
		t.Errorf("queue ID %s reused", id)
	}
	p := l.Path(Incoming, id)
	if inode(t, p) != ino {
		t.Errorf("new file has inode %d, want the recycled %d", inode(t, p), ino)
	}
	if got := recycled(t, l); len(got) != 0 {
		t.Errorf("recycle directory after reuse %v", got)
	}
	f, err := Open(p, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	content, _ := io.ReadAll(f.Content())
	if string(content) != "short\n" || f.Recipients[0].Address != "b@example.com" {
		t.Errorf("content %q recipients %+v", content, f.Recipients)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != ModeComplete {
		t.Errorf("mode %v", st.Mode())
	}
}

// TestRecycleReuseLarger: a recycled file that was short and carried a
// queue flag in its mode (force-expire) takes a message larger than the
// write buffer (the header then goes out with a write of its own): the
// file holds exactly the new message, complete, without the old flag.
func TestRecycleReuseLarger(t *testing.T) {
	l := testLayout(t, false)
	old := writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "short\n")
	must(t, l.Move(old, Incoming, Active))
	path := l.Path(Active, old)
	must(t, os.Chmod(path, ModeComplete|ModeExpire))
	must(t, l.Recycle(path))
	l.rec.emptyTill = time.Time{}
	long := string(bytes.Repeat([]byte("new content line\n"), 2*fileBufSize/17))
	id := writeMessage(t, l, []Recipient{{Address: "b@example.com"}}, nil, long)
	p := l.Path(Incoming, id)
	f, err := Open(p, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	content, _ := io.ReadAll(f.Content())
	if string(content) != long || f.Recipients[0].Address != "b@example.com" {
		t.Errorf("content of %d bytes (want %d), recipients %+v", len(content), len(long), f.Recipients)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != ModeComplete {
		t.Errorf("mode %v", st.Mode())
	}
}

// TestRecycleLimit: beyond the limit, finished files are removed.
func TestRecycleLimit(t *testing.T) {
	l := testLayout(t, false)
	l.rec.limit = 2
	for i := 0; i < 4; i++ {
		id := writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "x\n")
		must(t, l.Recycle(l.Path(Incoming, id)))
	}
	if got := recycled(t, l); len(got) != 2 {
		t.Errorf("recycle directory holds %d files, want 2", len(got))
	}
}

// TestRecycleWithoutDirectory: a queue without the recycle directory
// removes and creates files as before.
func TestRecycleWithoutDirectory(t *testing.T) {
	l := testLayout(t, false)
	must(t, os.Remove(l.QueueDir(Recycle)))
	id := writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "x\n")
	p := l.Path(Incoming, id)
	must(t, l.Recycle(p))
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("file not removed: %v", err)
	}
	writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "y\n")
}

// TestRecycleConcurrentClaims: writers creating at once never share a
// recycled file.
func TestRecycleConcurrentClaims(t *testing.T) {
	l := testLayout(t, false)
	for i := 0; i < 20; i++ {
		id := writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "x\n")
		must(t, l.Recycle(l.Path(Incoming, id)))
	}
	l.rec.emptyTill = time.Time{}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				id := writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "z\n")
				mu.Lock()
				if seen[id] {
					t.Errorf("queue ID %s twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	n := 0
	must(t, l.Scan(Incoming, func(Entry) error { n++; return nil }))
	if n != 40 {
		t.Errorf("%d messages in incoming, want 40", n)
	}
	if got := recycled(t, l); len(got) != 0 {
		t.Errorf("%d files left in the recycle directory, want all reused", len(got))
	}
}
