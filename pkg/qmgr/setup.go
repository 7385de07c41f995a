package qmgr

import (
	"fmt"
	"path/filepath"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/resolve"
)

// Params are the main.cf parameters the qmgr daemon reads (besides the
// per-transport ones, TRANSPORT_destination_concurrency_limit etc.).
var Params = []string{
	"minimal_backoff_time", "maximal_backoff_time", "queue_run_delay",
	"maximal_queue_lifetime", "bounce_queue_lifetime", "transport_retry_time",
	"qmgr_daemon_timeout", "qmgr_ipc_timeout", "qmgr_message_active_limit",
	"qmgr_message_recipient_limit", "defer_transports", "double_bounce_sender",
	"recipient_delimiter", "delay_logging_resolution_limit", "soft_bounce",
	"default_destination_concurrency_limit", "initial_destination_concurrency",
	"default_destination_recipient_limit", "default_destination_concurrency_positive_feedback",
	"default_destination_concurrency_negative_feedback",
	"default_destination_concurrency_failed_cohort_limit", "default_destination_rate_delay",
	"default_transport_rate_delay", "default_process_limit",
	"notify_classes", "bounce_notice_recipient", "2bounce_notice_recipient",
	"delay_notice_recipient", "bounce_size_limit", "delay_warning_time",
	"bounce_template_file", "mail_name", "myhostname", "default_filter_nexthop",
	// qmgr's own deferrals and bounces tell verify(8) about probes and
	// flush(8) about deferred mail, as the retry and error agents do.
	"address_verify_service_name", "address_verify_negative_cache", "flush_service_name",
	"fast_flush_domains", "parent_domain_matches_subdomains", "ipc_timeout",
}

// Daemon is a queue manager with its production collaborators: the
// in-process resolver and bounce service, pkg/deliver's client.
type Daemon struct {
	*Manager
	resolver *resolve.Resolver
	cleanup  *cleanup.Cleanup
}

// stdLogger logs through the process logger (pkg/maillog).
type stdLogger struct{ l *maillog.Logger }

func (s stdLogger) Info(f string, a ...any) {
	if s.l != nil {
		s.l.Info(f, a...)
		return
	}
	maillog.Info(f, a...)
}

func (s stdLogger) Warn(f string, a ...any) {
	if s.l != nil {
		s.l.Warn(f, a...)
		return
	}
	maillog.Warn(f, a...)
}

// NewDaemon builds the queue manager from the configuration. queueDir is
// the queue directory as the process will see it ("/" inside the
// chroot); master.cf gives each transport's process limit.
func NewDaemon(cfg *config.Config, queueDir string) (*Daemon, error) {
	warn := func(s string) { maillog.Warn("%s", s) }
	set, err := SettingsFromConfig(cfg, warn)
	if err != nil {
		return nil, err
	}
	layout, err := queue.NewLayoutIn(cfg, queueDir)
	if err != nil {
		return nil, err
	}
	limits, err := transportLimits(cfg, warn)
	if err != nil {
		return nil, err
	}
	r, err := resolve.New(cfg, resolve.Options{})
	if err != nil {
		return nil, err
	}
	d := &Daemon{resolver: r}
	if d.cleanup, err = cleanup.New(cfg, cleanup.Options{Layout: layout, Wake: func() { d.Trigger([]byte("W")) }}); err != nil {
		r.Close()
		return nil, err
	}
	notifier, err := newNotifier(cfg, d.cleanup, warn)
	if err != nil {
		d.Close()
		return nil, err
	}
	ipc, err := cfg.Duration("qmgr_ipc_timeout")
	if err != nil {
		d.Close()
		return nil, err
	}
	d.Manager = New(set, Deps{Layout: layout, Limits: limits, Resolver: r,
		Agent:    &deliver.Client{QueueDir: layout.Dir, IPCTimeout: ipc, Keep: true},
		Notifier: notifier, Log: stdLogger{}})
	if err := d.Manager.denv.OpenServices(cfg, queueDir); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// newNotifier is the bounce service, logging as postfix/bounce as
// Postfix's bounce daemon does.
func newNotifier(cfg *config.Config, c *cleanup.Cleanup, warn func(string)) (*bounce.Service, error) {
	bs, err := bounce.SettingsFromConfig(cfg, warn)
	if err != nil {
		return nil, err
	}
	bl, err := maillog.New(cfg, "bounce")
	if err != nil {
		return nil, err
	}
	return bounce.New(bs, &bounce.CleanupPoster{C: c}, stdLogger{bl}, nil), nil
}

// transportLimits returns the per-transport limits, with each
// transport's master.cf process limit; values are read once per
// transport, when it is first used.
func transportLimits(cfg *config.Config, warn func(string)) (func(string) Limits, error) {
	procs := map[string]int{}
	mf, err := config.ReadMaster(filepath.Join(cfg.Dir, "master.cf"))
	if err != nil {
		return nil, err
	}
	for _, s := range mf.Services {
		if s.Type != "unix" {
			continue
		}
		n, err := s.ProcessLimit(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", mf.Path, err)
		}
		procs[s.Name] = n
	}
	def, err := cfg.Int("default_process_limit")
	if err != nil {
		return nil, err
	}
	return func(transport string) Limits {
		n, ok := procs[transport]
		if !ok {
			n = def
		}
		l, err := LimitsFromConfig(cfg, transport, n, warn)
		if err != nil {
			// get_mail_conf_int2(): a bad value is fatal.
			maillog.Fatal("%v", err)
		}
		return l
	}, nil
}

// Close releases the tables.
func (d *Daemon) Close() {
	if d.cleanup != nil {
		d.cleanup.Close()
	}
	if d.resolver != nil {
		d.resolver.Close()
	}
}
