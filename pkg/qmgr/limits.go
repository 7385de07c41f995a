package qmgr

import (
	"fmt"
	"time"

	"github.com/postern/postern/pkg/config"
)

// Limits are one transport's scheduling settings (qmgr_transport.c
// qmgr_transport_create). Each comes from TRANSPORT_<suffix> in main.cf,
// defaulting to the default_<suffix> parameter.
type Limits struct {
	DestConcurrency  int           // _destination_concurrency_limit; 0 = none
	InitConcurrency  int           // _initial_destination_concurrency
	RecipientLimit   int           // _destination_recipient_limit; 0 = none
	PosFeedback      Feedback      // _destination_concurrency_positive_feedback
	NegFeedback      Feedback      // _destination_concurrency_negative_feedback
	FailCohortLimit  int           // _destination_concurrency_failed_cohort_limit; 0 = never dead
	DestRateDelay    time.Duration // _destination_rate_delay
	TransportRateDly time.Duration // _transport_rate_delay
	ProcessLimit     int           // agents at once: master.cf maxproc; 0 = none
}

// normalize applies Postfix's adjustments: a rate delay forces a
// concurrency of one; the initial concurrency never exceeds the limit.
func (l Limits) normalize() Limits {
	if l.InitConcurrency < 1 {
		l.InitConcurrency = 1
	}
	if l.DestRateDelay > 0 {
		l.DestConcurrency = 1
	}
	if l.DestConcurrency != 0 && l.DestConcurrency < l.InitConcurrency {
		l.InitConcurrency = l.DestConcurrency
	}
	return l
}

// LimitsFromConfig reads the limits of transport from cfg. warn receives
// Postfix's warning for a malformed feedback value, which then counts as 1.
func LimitsFromConfig(cfg *config.Config, transport string, procLimit int, warn func(string)) (Limits, error) {
	var l Limits
	var err error
	ints := []struct {
		suffix string
		dst    *int
	}{
		{"_destination_concurrency_limit", &l.DestConcurrency},
		{"_initial_destination_concurrency", &l.InitConcurrency},
		{"_destination_recipient_limit", &l.RecipientLimit},
		{"_destination_concurrency_failed_cohort_limit", &l.FailCohortLimit},
	}
	for _, p := range ints {
		if *p.dst, err = cfg.Int(transport + p.suffix); err != nil {
			return l, err
		}
		if *p.dst < 0 {
			return l, fmt.Errorf("invalid %s%s parameter value %d < 0", transport, p.suffix, *p.dst)
		}
	}
	if l.DestRateDelay, err = cfg.Duration(transport + "_destination_rate_delay"); err != nil {
		return l, err
	}
	if l.TransportRateDly, err = cfg.Duration(transport + "_transport_rate_delay"); err != nil {
		return l, err
	}
	l.PosFeedback = feedbackParam(cfg, transport, "positive", warn)
	l.NegFeedback = feedbackParam(cfg, transport, "negative", warn)
	l.ProcessLimit = procLimit
	return l.normalize(), nil
}

func feedbackParam(cfg *config.Config, transport, kind string, warn func(string)) Feedback {
	name := transport + "_destination_concurrency_" + kind + "_feedback"
	v := cfg.Get(name)
	f, err := ParseFeedback(v)
	if err != nil {
		if warn != nil {
			// qmgr_feedback.c names the default parameter when the
			// value is the default's.
			shown := name
			if v == cfg.Get("default_destination_concurrency_"+kind+"_feedback") {
				if _, set := cfg.Main.Map[name]; !set {
					shown = "default_destination_concurrency_" + kind + "_feedback"
				}
			}
			warn(fmt.Sprintf("%s: ignoring malformed or unreasonable feedback: %s", shown, v))
		}
		return DefaultFeedback
	}
	return f
}
