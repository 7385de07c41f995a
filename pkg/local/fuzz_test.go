package local

import (
	"strings"
	"testing"
)

// FuzzDeliveredTo reads arbitrary message headers.
func FuzzDeliveredTo(f *testing.F) {
	f.Add("Delivered-To: a@b\nSubject: x\n\nbody")
	f.Add("Delivered-To :\n\tx\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := deliveredTo(strings.NewReader(s))
		if err != nil || len(got) > deliveredLimit {
			t.Errorf("%q: %v %d", s, err, len(got))
		}
	})
}
