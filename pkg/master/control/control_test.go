package control

import (
	"testing"
	"time"
)

func TestCompatBelow(t *testing.T) {
	for _, c := range []struct {
		level string
		below bool
	}{{"0", true}, {"2", true}, {"3.5", true}, {"3.6", false}, {"3.6.1", false}, {"3.10", false}, {"4", false}} {
		if got := compatBelow(c.level, "3.6"); got != c.below {
			t.Errorf("compatBelow(%s) = %v", c.level, got)
		}
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2024, 3, 7, 4, 5, 6, 0, time.UTC)
	if got := strftime("%Y%m%d-%H%M%S", tm); got != "20240307-040506" {
		t.Errorf("got %s", got)
	}
	if got := strftime("%j %% %q", tm); got != "067 % %q" {
		t.Errorf("got %s", got)
	}
}
