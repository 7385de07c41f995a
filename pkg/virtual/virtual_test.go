package virtual

import "testing"

func TestAtol(t *testing.T) {
	for in, want := range map[string]int64{"5000": 5000, " 42x": 42, "-1": -1, "abc": 0, "": 0, "+7": 7} {
		if got := atol(in); got != want {
			t.Errorf("atol(%q) = %d, want %d", in, got, want)
		}
	}
}
