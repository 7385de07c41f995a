package server

import (
	"os"
	"testing"
)

// TestSessionLimit: Options.Sessions within the master's budget; one
// session without a budget, stand-alone or with a process limit of 1.
func TestSessionLimit(t *testing.T) {
	for _, c := range []struct {
		sessions int
		budget   string // "" = not set
		solitary bool
		want     int
	}{
		{50, "100", false, 50},
		{50, "7", false, 7},
		{50, "0", false, 50}, // maxproc 0: no limit from the master
		{50, "", false, 1},
		{50, "100", true, 1},
		{0, "100", false, 1},
		{1, "100", false, 1},
	} {
		t.Setenv(SessionBudgetEnv, c.budget)
		if c.budget == "" {
			os.Unsetenv(SessionBudgetEnv)
		}
		s := &Server{opts: Options{Sessions: c.sessions}, Solitary: c.solitary}
		if got := s.sessionLimit(); got != c.want {
			t.Errorf("%+v: got %d", c, got)
		}
	}
}
