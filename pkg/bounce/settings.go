package bounce

import (
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// Settings are the bounce service's parameters.
type Settings struct {
	MyHostname         string
	MailName           string          // mail_name, for X-Postfix-* fields
	NotifyClasses      map[string]bool // notify_classes, lower case
	BounceRecipient    string          // bounce_notice_recipient
	TwoBounceRecipient string          // 2bounce_notice_recipient
	DelayRecipient     string          // delay_notice_recipient
	DoubleBounceSender string          // double_bounce_sender (local part)
	BounceSizeLimit    int64           // bounce_size_limit
	MaxQueueLifetime   time.Duration   // maximal_queue_lifetime
	DelayWarningTime   time.Duration   // delay_warning_time
	StandardFrom       bool            // header_from_format = standard
	SMTPUTF8           bool            // smtputf8_enable
	Templates          *Templates
	Lookup             func(name string) (string, bool) // $name in templates
	Warn               func(string)                     // template warnings
	ThreadedBounces    bool                             // enable_threaded_bounces
}

// SettingsFromConfig reads Settings from cfg. A bounce_template_file that
// cannot be read or parsed is an error.
func SettingsFromConfig(cfg *config.Config, warn func(string)) (Settings, error) {
	s := Settings{
		MyHostname:         cfg.Get("myhostname"),
		MailName:           cfg.Get("mail_name"),
		NotifyClasses:      map[string]bool{},
		BounceRecipient:    cfg.Get("bounce_notice_recipient"),
		TwoBounceRecipient: cfg.Get("2bounce_notice_recipient"),
		DelayRecipient:     cfg.Get("delay_notice_recipient"),
		DoubleBounceSender: cfg.Get("double_bounce_sender"),
		Warn:               warn,
	}
	for _, c := range cfg.List("notify_classes") {
		s.NotifyClasses[strings.ToLower(c)] = true
	}
	var err error
	if s.BounceSizeLimit, err = cfg.Long("bounce_size_limit"); err != nil {
		return s, err
	}
	if s.MaxQueueLifetime, err = cfg.Duration("maximal_queue_lifetime"); err != nil {
		return s, err
	}
	if s.DelayWarningTime, err = cfg.Duration("delay_warning_time"); err != nil {
		return s, err
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"smtputf8_enable", &s.SMTPUTF8}, {"enable_threaded_bounces", &s.ThreadedBounces}} {
		if *b.dst, err = cfg.Bool(b.name); err != nil {
			return s, err
		}
	}
	switch f := strings.ToLower(cfg.Get("header_from_format")); f {
	case "standard", "":
		s.StandardFrom = true
	case "obsolete":
	default:
		return s, fmt.Errorf("invalid header_from_format value: \"%s\"", f)
	}
	s.Lookup = func(name string) (string, bool) {
		if _, ok := cfg.Raw(name); !ok {
			return "", false
		}
		v, err := cfg.Value(name)
		return v, err == nil
	}
	s.Templates = DefaultTemplates()
	if file := cfg.Get("bounce_template_file"); file != "" {
		if s.Templates, err = LoadTemplates(file, warnOrNil(warn)); err != nil {
			return s, err
		}
	}
	return s, nil
}

func warnOrNil(w func(string)) func(string) {
	if w == nil {
		return func(string) {}
	}
	return w
}

// doubleBounce is $double_bounce_sender@$myhostname (mail_addr_double_bounce).
func (s *Settings) doubleBounce() string { return s.DoubleBounceSender + "@" + s.MyHostname }

// mailDaemon is MAILER-DAEMON@$myhostname (mail_addr_mail_daemon).
func (s *Settings) mailDaemon() string { return "MAILER-DAEMON@" + s.MyHostname }
