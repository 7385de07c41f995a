package qmgr

import (
	"testing"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// TestConnectionCachingFlags: a destination's requests ask the agent to
// store and reuse sessions once deliveries come back to back, keep
// asking while they are concurrent, and stop storing (but still load)
// when neither holds (qmgr_entry_select).
func TestConnectionCachingFlags(t *testing.T) {
	s := NewScheduler(testLimits(nil), 300*time.Second, 60*time.Second)
	queueEntries(t, s, "smtp", "example.com", 10)
	first := s.Next(t0)
	if first.ConnFlags != 0 {
		t.Fatalf("first delivery: flags %#x, want none", first.ConnFlags)
	}
	s.Done(first, Outcome{}, t0)
	second := s.Next(t0.Add(500 * time.Millisecond))
	if second.ConnFlags != deliver.FlagConnMask {
		t.Fatalf("back-to-back delivery: flags %#x, want load and store", second.ConnFlags)
	}
	third := s.Next(t0.Add(time.Minute)) // concurrent with second
	if third.ConnFlags != deliver.FlagConnMask {
		t.Fatalf("concurrent delivery: flags %#x, want load and store", third.ConnFlags)
	}
	s.Done(second, Outcome{}, t0.Add(time.Minute))
	s.Done(third, Outcome{}, t0.Add(time.Minute))
	late := s.Next(t0.Add(time.Hour))
	if late.ConnFlags != deliver.FlagConnLoad {
		t.Fatalf("lone delivery after a pause: flags %#x, want load only", late.ConnFlags)
	}
}

// TestDrainedQueueKeepsCaching: a destination whose queue empties
// between messages (delivery keeps up with arrival) keeps its
// connection caching and concurrency window for a message that comes
// back to back; the idle queue is freed once that time has passed.
func TestDrainedQueueKeepsCaching(t *testing.T) {
	s := NewScheduler(testLimits(nil), 300*time.Second, 60*time.Second)
	queueEntries(t, s, "smtp", "example.com", 2)
	first := s.Next(t0)
	s.Done(first, Outcome{}, t0)
	second := s.Next(t0.Add(10 * time.Millisecond))
	s.Done(second, Outcome{}, t0.Add(20*time.Millisecond))
	q := first.queue
	window := q.window
	if s.queues != 1 {
		t.Fatalf("drained queue freed at once: %d queues", s.queues)
	}
	queueEntries(t, s, "smtp", "example.com", 1)
	third := s.Next(t0.Add(30 * time.Millisecond))
	if third.queue != q || third.ConnFlags != deliver.FlagConnMask || q.window != window {
		t.Fatalf("back-to-back message: same queue %v, flags %#x, window %d (was %d)",
			third.queue == q, third.ConnFlags, q.window, window)
	}
	done := t0.Add(40 * time.Millisecond)
	s.Done(third, Outcome{}, done)
	s.Advance(done.Add(3 * time.Second))
	if s.queues != 0 || len(q.t.queues) != 0 {
		t.Fatalf("idle queue not freed after the back-to-back time: %d queues", s.queues)
	}
}
