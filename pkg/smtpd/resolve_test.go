package smtpd

import (
	"fmt"
	"testing"
)

type countingResolver struct {
	calls int
	fail  bool
}

func (c *countingResolver) Resolve(_, addr string) (Resolution, error) {
	c.calls++
	if c.fail {
		return Resolution{}, errResolveFail
	}
	return Resolution{Domain: addr}, nil
}

func TestResolveCache(t *testing.T) {
	next := &countingResolver{}
	c := newResolveCache(next)
	c.Resolve("s", "a")
	c.Resolve("s", "a")
	c.Resolve("", "a")
	if next.calls != 2 {
		t.Errorf("%d calls, want 2", next.calls)
	}
	for i := 0; i < resolveCacheSize; i++ {
		c.Resolve("s", fmt.Sprint(i))
	}
	if len(c.m) != resolveCacheSize {
		t.Errorf("cache holds %d", len(c.m))
	}
	next.calls = 0
	c.Resolve("s", "a") // evicted
	if next.calls != 1 {
		t.Errorf("evicted entry not resolved again")
	}
	next.fail = true
	if _, err := c.Resolve("s", "new"); err == nil {
		t.Error("failure lost")
	}
	next.fail = false
	if r, err := c.Resolve("s", "new"); err != nil || r.Domain != "new" {
		t.Error("failure was cached")
	}
}
