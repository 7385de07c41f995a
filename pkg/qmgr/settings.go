package qmgr

import (
	"time"

	"github.com/postern/postern/pkg/config"
)

// Settings are the queue manager's main.cf parameters.
type Settings struct {
	MinBackoff          time.Duration // minimal_backoff_time
	MaxBackoff          time.Duration // maximal_backoff_time
	QueueRunDelay       time.Duration // queue_run_delay
	MaxQueueLifetime    time.Duration // maximal_queue_lifetime
	BounceQueueLifetime time.Duration // bounce_queue_lifetime
	TransportRetry      time.Duration // transport_retry_time
	DaemonTimeout       time.Duration // qmgr_daemon_timeout
	ActiveLimit         int           // qmgr_message_active_limit
	RecipientLimit      int           // qmgr_message_recipient_limit
	DeferTransports     []string      // defer_transports
	DoubleBounceSender  string        // double_bounce_sender
	RecipientDelimiter  string        // recipient_delimiter
	DelayResolution     int           // delay_logging_resolution_limit
	SoftBounce          bool          // soft_bounce

	// Content filters (filter.go).
	DefaultFilterNexthop string // default_filter_nexthop
	MyHostname           string // myhostname
}

// SettingsFromConfig reads Settings, with Postfix's adjustments and
// warnings (qmgr_post_init).
func SettingsFromConfig(cfg *config.Config, warn func(string)) (Settings, error) {
	var s Settings
	durs := []struct {
		name string
		dst  *time.Duration
	}{
		{"minimal_backoff_time", &s.MinBackoff},
		{"maximal_backoff_time", &s.MaxBackoff},
		{"queue_run_delay", &s.QueueRunDelay},
		{"maximal_queue_lifetime", &s.MaxQueueLifetime},
		{"bounce_queue_lifetime", &s.BounceQueueLifetime},
		{"transport_retry_time", &s.TransportRetry},
		{"qmgr_daemon_timeout", &s.DaemonTimeout},
	}
	for _, d := range durs {
		v, err := cfg.Duration(d.name)
		if err != nil {
			return s, err
		}
		*d.dst = v
	}
	ints := []struct {
		name string
		dst  *int
	}{
		{"qmgr_message_active_limit", &s.ActiveLimit},
		{"qmgr_message_recipient_limit", &s.RecipientLimit},
		{"delay_logging_resolution_limit", &s.DelayResolution},
	}
	for _, p := range ints {
		v, err := cfg.Int(p.name)
		if err != nil {
			return s, err
		}
		*p.dst = v
	}
	var err error
	if s.SoftBounce, err = cfg.Bool("soft_bounce"); err != nil {
		return s, err
	}
	// XXX: "delay cleared" notices are not implemented; say so.
	if on, err := cfg.Bool("confirm_delay_cleared"); err == nil && on && warn != nil {
		warn("confirm_delay_cleared = yes is not supported by this queue manager; no \"delay cleared\" notices are sent")
	}
	s.DeferTransports = cfg.List("defer_transports")
	s.DoubleBounceSender = cfg.Get("double_bounce_sender")
	s.RecipientDelimiter = cfg.Get("recipient_delimiter")
	s.DefaultFilterNexthop = cfg.Get("default_filter_nexthop")
	s.MyHostname = cfg.Get("myhostname")
	s.adjust(warn)
	return s, nil
}

// adjust applies qmgr_post_init's sanity checks.
func (s *Settings) adjust(warn func(string)) {
	if warn == nil {
		warn = func(string) {}
	}
	if s.RecipientLimit < s.ActiveLimit {
		warn("qmgr_message_recipient_limit is smaller than qmgr_message_active_limit - adjusting qmgr_message_recipient_limit")
		s.RecipientLimit = s.ActiveLimit
	}
	if s.BounceQueueLifetime > s.MaxQueueLifetime {
		warn("bounce_queue_lifetime is larger than maximal_queue_lifetime - adjusting bounce_queue_lifetime")
		s.BounceQueueLifetime = s.MaxQueueLifetime
	}
	if s.MinBackoff <= 0 {
		s.MinBackoff = time.Second
	}
	if s.MaxBackoff < s.MinBackoff {
		s.MaxBackoff = s.MinBackoff
	}
}

// Backoff returns how long a message that arrived at arrival waits after
// a failed attempt at now: its age, clamped to minimal_backoff_time ..
// maximal_backoff_time (qmgr_active_done_3_generic).
func (s *Settings) Backoff(arrival, now time.Time) time.Duration {
	if arrival.IsZero() {
		return s.MinBackoff
	}
	d := now.Sub(arrival).Truncate(time.Second)
	if d > s.MaxBackoff {
		d = s.MaxBackoff
	}
	if d < s.MinBackoff {
		d = s.MinBackoff
	}
	return d
}
