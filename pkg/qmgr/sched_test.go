package qmgr

import (
	"testing"
	"time"
)

var t0 = time.Date(2024, 11, 21, 18, 40, 0, 0, time.UTC)

func testLimits(over map[string]Limits) func(string) Limits {
	return func(name string) Limits {
		if l, ok := over[name]; ok {
			return l
		}
		return Limits{DestConcurrency: 20, InitConcurrency: 5, RecipientLimit: 50,
			PosFeedback: Feedback{Base: 1}, NegFeedback: Feedback{Base: 1}, FailCohortLimit: 1}
	}
}

// queueEntries puts n one-recipient entries for dest into the scheduler.
func queueEntries(t *testing.T, s *Scheduler, transport, dest string, n int) {
	t.Helper()
	msg := &message{id: "M"}
	for i := 0; i < n; i++ {
		q, dead := s.Lookup(transport, dest, dest)
		if dead != nil {
			t.Fatalf("%s dead: %v", dest, dead)
		}
		s.add(&Entry{msg: msg, queue: q, Rcpts: []rcptRef{0}}, t0)
	}
}

// takeAll selects until the scheduler refuses, counting per destination.
func takeAll(s *Scheduler, now time.Time) (map[string]int, []*Entry) {
	got := map[string]int{}
	var es []*Entry
	for e := s.Next(now); e != nil; e = s.Next(now) {
		got[e.QueueName()]++
		es = append(es, e)
	}
	return got, es
}

func TestSlowStartInitialWindow(t *testing.T) {
	s := NewScheduler(testLimits(nil), 300*time.Second, 60*time.Second)
	queueEntries(t, s, "smtp", "example.com", 1000)
	got, busy := takeAll(s, t0)
	if got["example.com"] != 5 {
		t.Fatalf("initial concurrency: got %d deliveries, want 5", got["example.com"])
	}
	q := busy[0].queue
	// With positive feedback 1, each clean delivery opens the window by
	// one while the window stays within busy + initial concurrency; the
	// slots are refilled as they free up, as the event loop does.
	peak := 0
	for i := 0; i < 500; i++ {
		e := busy[0]
		busy = busy[1:]
		s.Done(e, Outcome{}, t0)
		_, more := takeAll(s, t0)
		busy = append(busy, more...)
		if len(busy) > peak {
			peak = len(busy)
		}
		if i == 0 && q.Window() != 6 {
			t.Fatalf("window after one success: %d, want 6", q.Window())
		}
	}
	if q.Window() != 20 || peak != 20 {
		t.Fatalf("window %d, peak concurrency %d; want both at the limit 20", q.Window(), peak)
	}
}

// Without refills the window stays within reach of the deliveries in
// progress (qmgr_queue_unthrottle: window < busy + initial concurrency).
func TestSlowStartBoundedByBusy(t *testing.T) {
	s := NewScheduler(testLimits(nil), 300*time.Second, 60*time.Second)
	queueEntries(t, s, "smtp", "example.com", 100)
	_, busy := takeAll(s, t0)
	for _, e := range busy {
		s.Done(e, Outcome{}, t0)
	}
	if w := busy[0].queue.Window(); w != 8 {
		t.Fatalf("window after a drained cohort: %d, want 8", w)
	}
}

func TestPerTransportConcurrencyLimit(t *testing.T) {
	lim := testLimits(nil)("smtp")
	lim.DestConcurrency = 2
	s := NewScheduler(testLimits(map[string]Limits{"local": lim}), time.Minute, time.Minute)
	queueEntries(t, s, "local", "host", 10)
	queueEntries(t, s, "smtp", "example.com", 10)
	got, _ := takeAll(s, t0)
	if got["host"] != 2 || got["example.com"] != 5 {
		t.Fatalf("got %v, want host=2 (local limit, initial clamped) and example.com=5", got)
	}
}

func TestProcessLimit(t *testing.T) {
	lim := testLimits(nil)("smtp")
	lim.ProcessLimit = 3
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), time.Minute, time.Minute)
	queueEntries(t, s, "smtp", "a.example", 10)
	queueEntries(t, s, "smtp", "b.example", 10)
	got, busy := takeAll(s, t0)
	if n := got["a.example"] + got["b.example"]; n != 3 {
		t.Fatalf("transport process limit: %d deliveries, want 3", n)
	}
	if got["a.example"] == 0 || got["b.example"] == 0 {
		t.Fatalf("round robin: %v", got)
	}
	s.Done(busy[0], Outcome{}, t0)
	if e := s.Next(t0); e == nil {
		t.Fatal("no delivery after a slot was freed")
	}
}

func TestNegativeFeedback(t *testing.T) {
	lim := testLimits(nil)("smtp")
	lim.FailCohortLimit = 0 // never dead: see the window shrink
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), time.Minute, time.Minute)
	queueEntries(t, s, "smtp", "flaky.example", 20)
	_, busy := takeAll(s, t0)
	q := busy[0].queue
	// Postfix's hysteresis loop takes two steps on the first failure of a
	// cycle (failure starts at 0), then one per failure.
	s.Done(busy[0], Outcome{Site: &DSN{Status: "4.4.1", Reason: "connect to x: Connection refused"}}, t0)
	if q.Window() != 3 {
		t.Fatalf("window after one failure: %d, want 3", q.Window())
	}
	s.Done(busy[1], Outcome{Site: &DSN{Status: "4.4.1", Reason: "refused"}}, t0)
	if q.Window() != 2 {
		t.Fatalf("window after two failures: %d, want 2", q.Window())
	}
	for _, e := range busy[2:] {
		s.Done(e, Outcome{Site: &DSN{Status: "4.4.1", Reason: "refused"}}, t0)
	}
	if q.Window() != 1 {
		t.Fatalf("window never goes below 1: %d", q.Window())
	}
}

func TestFailedCohortKillsDestination(t *testing.T) {
	s := NewScheduler(testLimits(nil), 300*time.Second, time.Minute)
	queueEntries(t, s, "smtp", "dead.example", 50)
	_, busy := takeAll(s, t0)
	var deferred []*Entry
	var why *DSN
	// A failed pseudo-cohort: each failure adds 1/window, while the
	// window shrinks 5 -> 3 -> 2: 1/5 + 1/3 + 1/2 >= 1 after 3 failures.
	for i, e := range busy {
		d, w := s.Done(e, Outcome{Site: &DSN{Status: "4.4.1", Reason: "connect to mx.dead.example[192.0.2.1]:25: Connection refused"}}, t0)
		if d != nil {
			if i != 2 {
				t.Fatalf("dead after %d failures, want 3", i+1)
			}
			deferred, why = d, w
			break
		}
	}
	if len(deferred) != 45 {
		t.Fatalf("entries deferred when the site died: %d, want 45", len(deferred))
	}
	if want := "delivery temporarily suspended: connect to mx.dead.example[192.0.2.1]:25: Connection refused"; why.Reason != want || why.Status != "4.4.1" {
		t.Fatalf("reason %v", why)
	}
	if _, dead := s.Lookup("smtp", "dead.example", "dead.example"); dead == nil {
		t.Fatal("destination not dead")
	}
	for _, e := range busy[3:] {
		if d, _ := s.Done(e, Outcome{Site: &DSN{Status: "4.4.1", Reason: "refused"}}, t0); d != nil {
			t.Fatal("entries deferred twice")
		}
	}
	// Dead until minimal_backoff_time has passed.
	s.Advance(t0.Add(299 * time.Second))
	if _, dead := s.Lookup("smtp", "dead.example", "dead.example"); dead == nil {
		t.Fatal("destination revived early")
	}
	s.Advance(t0.Add(300 * time.Second))
	if q, dead := s.Lookup("smtp", "dead.example", "dead.example"); dead != nil || q.Window() != 5 {
		t.Fatalf("destination not revived with the initial window: %v", dead)
	}
}

func TestDeadDestinationDoesNotStarveOthers(t *testing.T) {
	lim := testLimits(nil)("smtp")
	lim.ProcessLimit = 10
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), 300*time.Second, time.Minute)
	queueEntries(t, s, "smtp", "dead.example", 1000)
	queueEntries(t, s, "smtp", "good.example", 1000)
	good := 0
	for round := 0; round < 200 && good < 1000; round++ {
		_, busy := takeAll(s, t0)
		if len(busy) == 0 {
			t.Fatalf("round %d: nothing to deliver, good=%d", round, good)
		}
		for _, e := range busy {
			if e.QueueName() == "dead.example" {
				s.Done(e, Outcome{Site: &DSN{Status: "4.4.1", Reason: "timeout"}}, t0)
				continue
			}
			good++
			s.Done(e, Outcome{}, t0)
		}
	}
	if good != 1000 {
		t.Fatalf("good destination got %d deliveries, want 1000", good)
	}
}

func TestSlowDestinationDoesNotStarveOthers(t *testing.T) {
	// A destination whose deliveries never finish holds at most its window.
	lim := testLimits(nil)("smtp")
	lim.ProcessLimit = 30
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), time.Minute, time.Minute)
	queueEntries(t, s, "smtp", "slow.example", 1000)
	queueEntries(t, s, "smtp", "fast.example", 1000)
	fast := 0
	for round := 0; round < 500 && fast < 1000; round++ {
		_, busy := takeAll(s, t0)
		for _, e := range busy {
			if e.QueueName() == "fast.example" {
				fast++
				s.Done(e, Outcome{}, t0)
			}
		}
	}
	if fast != 1000 {
		t.Fatalf("fast destination got %d deliveries, want 1000", fast)
	}
}

func TestTransportFail(t *testing.T) {
	s := NewScheduler(testLimits(nil), time.Minute, 60*time.Second)
	queueEntries(t, s, "smtp", "a.example", 3)
	queueEntries(t, s, "smtp", "b.example", 4)
	queueEntries(t, s, "local", "host", 2)
	out := s.TransportFail("smtp", DSN{Status: "4.3.0", Reason: "mail transport unavailable"}, t0)
	if len(out) != 7 {
		t.Fatalf("entries taken out: %d, want 7", len(out))
	}
	got, _ := takeAll(s, t0)
	if got["host"] != 2 || len(got) != 1 {
		t.Fatalf("other transport blocked: %v", got)
	}
	if d := s.TransportDead("smtp"); d == nil || d.Reason != "mail transport unavailable" {
		t.Fatalf("transport not dead: %v", d)
	}
	s.Advance(t0.Add(60 * time.Second))
	if s.TransportDead("smtp") != nil {
		t.Fatal("transport not revived after transport_retry_time")
	}
}

func TestFlushDeadRevives(t *testing.T) {
	lim := testLimits(nil)("smtp")
	lim.InitConcurrency = 1
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), time.Hour, time.Hour)
	queueEntries(t, s, "smtp", "x.example", 1)
	e := s.Next(t0)
	s.Done(e, Outcome{Site: &DSN{Status: "4.4.1", Reason: "refused"}}, t0)
	if _, dead := s.Lookup("smtp", "x.example", "x.example"); dead == nil {
		t.Fatal("not dead")
	}
	s.FlushDead(t0)
	if _, dead := s.Lookup("smtp", "x.example", "x.example"); dead != nil {
		t.Fatal("'F' did not revive the destination")
	}
}

func TestRateDelay(t *testing.T) {
	lim := testLimits(nil)("smtp")
	lim.DestRateDelay = 10 * time.Second
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), time.Minute, time.Minute)
	queueEntries(t, s, "smtp", "r.example", 3)
	got, busy := takeAll(s, t0)
	if got["r.example"] != 1 {
		t.Fatalf("rate-limited concurrency: %d, want 1", got["r.example"])
	}
	s.Done(busy[0], Outcome{}, t0)
	if e := s.Next(t0.Add(9 * time.Second)); e != nil {
		t.Fatal("delivery before the rate delay passed")
	}
	if w, ok := s.NextWake(); !ok || !w.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("next wake %v", w)
	}
	s.Advance(t0.Add(10 * time.Second))
	if e := s.Next(t0.Add(10 * time.Second)); e == nil {
		t.Fatal("no delivery after the rate delay")
	}
}

func TestCrashThrottles(t *testing.T) {
	s := NewScheduler(testLimits(nil), time.Minute, time.Minute)
	queueEntries(t, s, "smtp", "c.example", 10)
	_, busy := takeAll(s, t0)
	s.Done(busy[0], Outcome{Crash: true}, t0)
	q := busy[1].queue
	if q.Window() != 3 {
		t.Fatalf("crash is negative feedback: window %d, want 3", q.Window())
	}
}

func TestFeedbackParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Feedback
		bad  bool
	}{
		{"1", Feedback{Base: 1}, false},
		{"1/4", Feedback{Base: 0.25}, false},
		{"1/concurrency", Feedback{Base: 1, PerWindow: true}, false},
		{"2", Feedback{}, true},
		{"x", Feedback{}, true},
		{"1/0", Feedback{}, true},
	} {
		got, err := ParseFeedback(c.in)
		if (err != nil) != c.bad || !c.bad && got != c.want {
			t.Errorf("ParseFeedback(%q) = %v, %v", c.in, got, err)
		}
	}
	// 1/concurrency grows the window by one per cohort.
	lim := testLimits(nil)("smtp")
	lim.PosFeedback = Feedback{Base: 1, PerWindow: true}
	s := NewScheduler(testLimits(map[string]Limits{"smtp": lim}), time.Minute, time.Minute)
	queueEntries(t, s, "smtp", "p.example", 100)
	_, busy := takeAll(s, t0)
	for _, e := range busy {
		s.Done(e, Outcome{}, t0)
	}
	if w := busy[0].queue.Window(); w != 6 {
		t.Fatalf("1/concurrency after one cohort of 5: window %d, want 6", w)
	}
}

func TestBackoff(t *testing.T) {
	set := Settings{MinBackoff: 300 * time.Second, MaxBackoff: 4000 * time.Second}
	for _, c := range []struct{ age, want time.Duration }{
		{10 * time.Second, 300 * time.Second},
		{1000 * time.Second, 1000 * time.Second},
		{3 * time.Hour, 4000 * time.Second},
	} {
		if got := set.Backoff(t0.Add(-c.age), t0); got != c.want {
			t.Errorf("age %v: backoff %v, want %v", c.age, got, c.want)
		}
	}
}
