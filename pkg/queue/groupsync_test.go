package queue

import (
	"sync"
	"testing"
)

// TestConcurrentCommits: commits at once share directory fsyncs and all
// succeed, each file complete under its queue ID (race-clean).
func TestConcurrentCommits(t *testing.T) {
	l := testLayout(t, false)
	var wg sync.WaitGroup
	ids := make(chan string, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				ids <- writeMessage(t, l, []Recipient{{Address: "a@example.com"}}, nil, "x\n")
			}
		}()
	}
	wg.Wait()
	close(ids)
	n := 0
	for id := range ids {
		f, err := Open(l.Path(Incoming, id), false)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		n++
	}
	if n != 64 {
		t.Errorf("%d messages", n)
	}
}

// BenchmarkCommitConcurrent: complete, fsync, rename and directory
// fsync of 4 KiB messages from 20 writers at once, as smtpd's sessions
// commit.
func BenchmarkCommitConcurrent(b *testing.B) {
	l := testLayout(b, false)
	content := string(make([]byte, 4096))
	b.SetParallelism(10)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			writeMessage(b, l, []Recipient{{Address: "a@example.com"}}, nil, content)
		}
	})
}
