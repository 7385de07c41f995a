package qmgr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Feedback is one concurrency feedback setting
// (postconf(5) default_destination_concurrency_positive_feedback and
// _negative_feedback; qmgr_feedback.c): a constant, or a constant divided
// by the destination's concurrency window ("1/concurrency").
type Feedback struct {
	Base      float64 // 0..1
	PerWindow bool    // divide Base by the window
}

// Value returns the feedback amount at the given window (QMGR_FEEDBACK_VAL).
func (f Feedback) Value(window int) float64 {
	if f.PerWindow && window > 0 {
		return f.Base / float64(window)
	}
	return f.Base
}

// ParseFeedback parses "N", "N/M" or "N/concurrency" as Postfix's
// qmgr_feedback_init does. A value outside 0..1 is an error naming it;
// Postfix warns "ignoring malformed or unreasonable feedback" and uses 1,
// which the caller does with DefaultFeedback.
func ParseFeedback(v string) (Feedback, error) {
	s := strings.TrimSpace(v)
	num, den, slash := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(n) {
		return Feedback{}, fmt.Errorf("malformed feedback: %s", v)
	}
	f := Feedback{Base: n}
	if slash {
		den = strings.TrimSpace(den)
		switch {
		case den == "concurrency":
			f.PerWindow = true
		default:
			d, err := strconv.ParseFloat(den, 64)
			if err != nil || n < 0 || n > math.MaxInt32 || d < 1.0/math.MaxInt32 || d > math.MaxInt32 {
				return Feedback{}, fmt.Errorf("malformed feedback: %s", v)
			}
			f.Base = n / d
		}
	}
	if f.Base < 0 || f.Base > 1 {
		return Feedback{}, fmt.Errorf("unreasonable feedback: %s", v)
	}
	return f, nil
}

// DefaultFeedback is what Postfix uses after rejecting a bad setting.
var DefaultFeedback = Feedback{Base: 1}
