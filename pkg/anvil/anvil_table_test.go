package anvil

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// fakeClock is a settable clock for the table.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestTable(unit time.Duration) (*Table, *fakeClock) {
	c := &fakeClock{t: time.Date(2024, 11, 21, 18, 40, 0, 0, time.Local)}
	return NewTable(unit, c.now), c
}

// TestAnvilConnectCounts: count and connection rate per ident, each
// local counting its own connection.
func TestAnvilConnectCounts(t *testing.T) {
	tb, _ := newTestTable(60 * time.Second)
	a, b := tb.Open(), tb.Open()
	if c, r := a.Connect("smtp:192.0.2.1"); c != 1 || r != 1 {
		t.Errorf("first connect: %d %d", c, r)
	}
	if c, r := b.Connect("smtp:192.0.2.1"); c != 2 || r != 2 {
		t.Errorf("second connect: %d %d", c, r)
	}
	if c, r := b.Connect("submission:192.0.2.1"); c != 1 || r != 1 {
		t.Errorf("other service: %d %d", c, r)
	}
	// b's connect for submission dropped its smtp connection (one remote
	// client per local, as Postfix).
	if got := a.Lookup("smtp:192.0.2.1"); got.Count != 1 || got.Rate != 2 {
		t.Errorf("lookup after b moved on: %+v", got)
	}
	// A disconnect from a local that did not count the ident is ignored.
	b.Disconnect("smtp:192.0.2.1")
	if got := a.Lookup("smtp:192.0.2.1"); got.Count != 1 {
		t.Errorf("foreign disconnect changed the count: %+v", got)
	}
	a.Disconnect("smtp:192.0.2.1")
	a.Disconnect("smtp:192.0.2.1")
	if got := a.Lookup("smtp:192.0.2.1"); got.Count != 0 || got.Rate != 2 {
		t.Errorf("after disconnect: %+v", got)
	}
}

// TestAnvilSameLocalTwice: a second connect on the same local replaces
// the first, as Postfix's ANVIL_LOCAL_ADD_ONE (the real anvil answers
// count=1 rate=2).
func TestAnvilSameLocalTwice(t *testing.T) {
	tb, _ := newTestTable(60 * time.Second)
	l := tb.Open()
	l.Connect("smtp:1.2.3.4")
	if c, r := l.Connect("smtp:1.2.3.4"); c != 1 || r != 2 {
		t.Errorf("second connect on one local: count %d rate %d, want 1 2", c, r)
	}
}

// TestAnvilCloseDropsConnection: a client that goes away without its
// disconnect (the smtpd process died) no longer counts.
func TestAnvilCloseDropsConnection(t *testing.T) {
	tb, _ := newTestTable(60 * time.Second)
	a, b := tb.Open(), tb.Open()
	a.Connect("smtp:192.0.2.7")
	b.Connect("smtp:192.0.2.7")
	a.Close()
	if got := b.Lookup("smtp:192.0.2.7"); got.Count != 1 {
		t.Errorf("after close: %+v", got)
	}
	a.Close() // twice is harmless
	if got := b.Lookup("smtp:192.0.2.7"); got.Count != 1 {
		t.Errorf("after second close: %+v", got)
	}
}

// TestAnvilFixedWindow: rates count within a window of one time unit
// that starts at the first event and is reset by the first event more
// than one unit later; all rates of the ident reset together.
func TestAnvilFixedWindow(t *testing.T) {
	tb, clk := newTestTable(10 * time.Second)
	l := tb.Open()
	id := "smtp:198.51.100.5"
	l.Connect(id)
	for i := 1; i <= 3; i++ {
		if got := l.Message(id); got != i {
			t.Errorf("message %d: rate %d", i, got)
		}
	}
	l.Recipient(id)
	clk.advance(10 * time.Second) // start + unit == now: same window
	if got := l.Message(id); got != 4 {
		t.Errorf("at the end of the window: %d, want 4", got)
	}
	clk.advance(time.Second) // start + unit < now: new window
	if got := l.Recipient(id); got != 1 {
		t.Errorf("first recipient of a new window: %d, want 1", got)
	}
	got := l.Lookup(id)
	if got != (Counts{Count: 1, Rcpt: 1}) {
		t.Errorf("rates after the reset: %+v", got)
	}
	if c, r := tb.Open().Connect(id); c != 2 || r != 1 {
		t.Errorf("connect in the new window: %d %d", c, r)
	}
}

// TestAnvilEventsPerKind: newtls, newtls_status and auth.
func TestAnvilEventsPerKind(t *testing.T) {
	tb, clk := newTestTable(5 * time.Second)
	l := tb.Open()
	id := "smtp:7.7.7.7"
	if l.NewTLSStatus(id) != 0 {
		t.Error("newtls_status of an unknown ident")
	}
	if tb.Len() != 0 {
		t.Error("newtls_status created an entry")
	}
	l.NewTLS(id)
	l.NewTLS(id)
	if got := l.NewTLSStatus(id); got != 2 {
		t.Errorf("newtls_status: %d", got)
	}
	if got := l.Auth(id); got != 1 {
		t.Errorf("auth: %d", got)
	}
	want := Counts{Count: 1, Rate: 1, NewTLS: 2, Auth: 1}
	if got := l.Lookup(id); got != want {
		t.Errorf("lookup: %+v, want %+v", got, want)
	}
	clk.advance(6 * time.Second)
	if got := l.NewTLSStatus(id); got != 0 {
		t.Errorf("stale newtls_status: %d", got)
	}
	if got := l.Lookup(id); got != (Counts{Count: 1}) {
		t.Errorf("stale lookup: %+v", got)
	}
}

// TestAnvilEventCreatesConnection: an event for an ident anvil does not
// know (anvil restarted after the connect) counts a connection of that
// local, which its disconnect removes again.
func TestAnvilEventCreatesConnection(t *testing.T) {
	tb, _ := newTestTable(60 * time.Second)
	l := tb.Open()
	if got := l.Recipient("smtp:5.5.5.5"); got != 1 {
		t.Errorf("recipient: %d", got)
	}
	if got := l.Lookup("smtp:5.5.5.5"); got != (Counts{Count: 1, Rate: 1, Rcpt: 1}) {
		t.Errorf("lookup: %+v", got)
	}
	l.Disconnect("smtp:5.5.5.5")
	if got := l.Lookup("smtp:5.5.5.5"); got.Count != 0 {
		t.Errorf("after disconnect: %+v", got)
	}
}

// TestAnvilRateCap: rates stop at INT_MAX.
func TestAnvilRateCap(t *testing.T) {
	tb, _ := newTestTable(60 * time.Second)
	l := tb.Open()
	l.Connect("x")
	tb.remotes["x"].mail = 1<<31 - 2
	l.Message("x")
	if got := l.Message("x"); got != 1<<31-1 {
		t.Errorf("rate at the cap: %d", got)
	}
}

// TestAnvilExpiry: an entry without connections goes away one time
// unit after the last disconnect; a new connection before that cancels
// the expiry, other events do not.
func TestAnvilExpiry(t *testing.T) {
	tb, clk := newTestTable(60 * time.Second)
	l := tb.Open()
	l.Connect("a")
	l.Disconnect("a")
	clk.advance(59 * time.Second)
	if tb.Len() != 1 {
		t.Fatal("expired early")
	}
	l.Connect("a") // cancels
	l.Disconnect("a")
	clk.advance(59 * time.Second)
	if tb.Len() != 1 {
		t.Fatal("reconnect did not restart the expiry")
	}
	l.Message("a") // does not cancel
	clk.advance(time.Second)
	if tb.Len() != 0 {
		t.Fatalf("not expired: %d entries", tb.Len())
	}
	if got := l.Lookup("a"); got != (Counts{}) {
		t.Errorf("lookup after expiry: %+v", got)
	}
	// An entry with a connection never expires.
	l.Connect("b")
	clk.advance(time.Hour)
	if tb.Len() != 1 || tb.Waiting() != 0 {
		t.Errorf("connected entry: len %d waiting %d", tb.Len(), tb.Waiting())
	}
}

// TestAnvilExpireWait: Expire says when the next entry is due.
func TestAnvilExpireWait(t *testing.T) {
	tb, clk := newTestTable(60 * time.Second)
	if d := tb.Expire(); d != 0 {
		t.Errorf("empty table: %v", d)
	}
	l := tb.Open()
	l.Connect("a")
	l.Close()
	clk.advance(20 * time.Second)
	if d := tb.Expire(); d < 39*time.Second || d > 41*time.Second {
		t.Errorf("wait %v, want about 40s", d)
	}
}

// TestAnvilExpiryBoundsMemory: 100,000 distinct clients per time unit,
// round after round: the table holds at most one round, and the map is
// rebuilt so that its memory follows.
func TestAnvilExpiryBoundsMemory(t *testing.T) {
	tb, clk := newTestTable(60 * time.Second)
	const n = 100000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	var round1 uint64
	for round := 0; round < 4; round++ {
		l := tb.Open()
		for i := 0; i < n; i++ {
			ident := fmt.Sprintf("smtp:10.%d.%d.%d", round, i>>8, i&255)
			l.Connect(ident)
			l.Disconnect(ident)
		}
		if got := tb.Len(); got != n {
			t.Fatalf("round %d: %d entries, want %d", round, got, n)
		}
		if round == 0 {
			round1 = heap() - base
		}
		clk.advance(61 * time.Second)
		if got := tb.Len(); got != 0 {
			t.Fatalf("round %d: %d entries after one time unit", round, got)
		}
	}
	after := heap()
	runtime.KeepAlive(tb)
	t.Logf("heap: %d bytes for %d entries (%d per entry); %d bytes above the start after expiry",
		round1, n, round1/n, int64(after)-int64(base))
	if after > base+round1/4 {
		t.Errorf("heap after expiry %d bytes above the start, entries took %d", after-base, round1)
	}
}
