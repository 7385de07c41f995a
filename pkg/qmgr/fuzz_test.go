package qmgr

import "testing"

func FuzzParseFeedback(f *testing.F) {
	for _, s := range []string{"1", "1/4", "1/concurrency", "0.5", "2", "x", "1/0", " 1 / 8 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fb, err := ParseFeedback(s)
		if err == nil && (fb.Base < 0 || fb.Base > 1) {
			t.Fatalf("%q accepted with base %v", s, fb.Base)
		}
		if err == nil && fb.Value(3) > 1 {
			t.Fatalf("%q: feedback above 1", s)
		}
	})
}
