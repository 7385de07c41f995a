package qmgr

import (
	"os"
	"testing"

	"github.com/postern/postern/pkg/queue"
)

// TestScannerEntries: a scan of a hashed queue hands out every complete
// file once, with the path where it is (feed lstats it, Layout.Move
// renames it from there).
func TestScannerEntries(t *testing.T) {
	l, err := queue.NewLayoutFrom(t.TempDir(), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := 0; i < 50; i++ {
		w, err := l.Create()
		if err != nil {
			t.Fatal(err)
		}
		w.SetSender("a@example.org")
		if err := w.AddRecipient(queue.Recipient{Address: "b@example.org"}); err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("Subject: x\n\nbody\n"))
		if err := w.Commit(queue.Deferred); err != nil {
			t.Fatal(err)
		}
		want[w.ID()] = true
	}
	s := newScanner(queue.Deferred)
	s.request(scanStart)
	warn := func(f string, a ...any) { t.Errorf("warning: "+f, a...) }
	for e, ok := s.nextEntry(l, warn); ok; e, ok = s.nextEntry(l, warn) {
		if !want[e.ID] {
			t.Fatalf("unexpected or repeated entry %+v", e)
		}
		delete(want, e.ID)
		if e.Queue != queue.Deferred {
			t.Errorf("%s: queue %q", e.ID, e.Queue)
		}
		if _, err := os.Lstat(e.Path); err != nil {
			t.Errorf("%s: %v", e.ID, err)
		}
	}
	if len(want) != 0 {
		t.Errorf("%d files not handed out", len(want))
	}
}

// TestScannerReleasesLargeList: the array of a large scan is not kept
// after it (a queue of 100,000 files would pin it for good).
func TestScannerReleasesLargeList(t *testing.T) {
	s := newScanner(queue.Deferred)
	s.list = make([]string, keepList+1)
	s.reset()
	if cap(s.list) != 0 {
		t.Errorf("kept an array of %d entries", cap(s.list))
	}
	s.list = make([]string, 10, keepList)
	s.reset()
	if len(s.list) != 0 || cap(s.list) != keepList {
		t.Errorf("small list: len %d cap %d, want 0 and %d", len(s.list), cap(s.list), keepList)
	}
}
