package deliver

import (
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/flush"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/verify"
)

// VerifyUpdater stores the outcome of an address verification probe
// (verify.Client.Update: status verify.RcptOK, RcptDefer or RcptBounce).
type VerifyUpdater interface {
	Update(addr string, status int, reason string) error
}

// FlushNotifier is told about each deferred recipient, so that the fast
// flush service can find the message (flush.Client.Deferred).
type FlushNotifier interface {
	Deferred(id, rcpt string, warn func(format string, args ...any))
}

// Env is what the agent side needs from the configuration. NewEnv fills
// it from main.cf; tests build it by hand.
type Env struct {
	Layout        *queue.Layout
	SoftBounce    bool          // soft_bounce
	DelayRes      int           // delay_logging_resolution_limit
	IPCTimeout    time.Duration // ipc_timeout: reading the request
	DaemonTimeout time.Duration // daemon_timeout: bound on one delivery
	// KeepIdle > 0 lets a connection carry further requests: after a
	// reply Serve waits that long for the next one (the client keeps
	// connections idle for less, see Client.Keep); 0 is Postfix's one
	// request per connection.
	KeepIdle time.Duration
	// KeepWhile, when set, must say yes for a connection to be kept
	// after a reply (the process is not on its way out).
	KeepWhile func() bool
	// Verify receives the outcomes of verify(8) probes
	// (DEL_REQ_FLAG_MTA_VRFY); nil makes every probe outcome a
	// verify service failure.
	Verify         VerifyUpdater
	VerifyService  string // address_verify_service_name, for warnings
	VerifyNegCache bool   // address_verify_negative_cache
	// Flush is told about deferred recipients ($fast_flush_domains);
	// nil: nobody is.
	Flush FlushNotifier
	Info  func(format string, args ...any)
	Warn  func(format string, args ...any)
	Now   func() time.Time
}

// NewEnv reads soft_bounce, delay_logging_resolution_limit, ipc_timeout,
// daemon_timeout and the queue layout parameters. queueDir is the queue
// directory as the process sees it ("/" inside the chroot jail).
func NewEnv(cfg *config.Config, queueDir string) (*Env, error) {
	layout, err := queue.NewLayoutIn(cfg, queueDir)
	if err != nil {
		return nil, err
	}
	e := &Env{Layout: layout, Info: maillog.Info, Warn: maillog.Warn, Now: time.Now}
	if e.SoftBounce, err = cfg.Bool("soft_bounce"); err != nil {
		return nil, err
	}
	if e.DelayRes, err = cfg.Int("delay_logging_resolution_limit"); err != nil {
		return nil, err
	}
	if e.IPCTimeout, err = cfg.Duration("ipc_timeout"); err != nil {
		return nil, err
	}
	if e.DaemonTimeout, err = cfg.Duration("daemon_timeout"); err != nil {
		return nil, err
	}
	if err := e.OpenServices(cfg, queueDir); err != nil {
		return nil, err
	}
	return e, nil
}

// OpenServices sets Verify, VerifyService, VerifyNegCache and Flush from
// the configuration (the verify and flush clients; the tables of
// $fast_flush_domains are opened now, before the chroot jail).
func (e *Env) OpenServices(cfg *config.Config, queueDir string) error {
	vc, err := verify.NewClient(cfg, queueDir)
	if err != nil {
		return err
	}
	if e.VerifyNegCache, err = cfg.Bool("address_verify_negative_cache"); err != nil {
		return err
	}
	fc, err := flush.NewClient(cfg, queueDir)
	if err != nil {
		return err
	}
	e.Verify, e.VerifyService, e.Flush = vc, cfg.Get("address_verify_service_name"), fc
	return nil
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Env) info(format string, args ...any) {
	if e.Info != nil {
		e.Info(format, args...)
	}
}

func (e *Env) warn(format string, args ...any) {
	if e.Warn != nil {
		e.Warn(format, args...)
	}
}

// Params lists the parameters NewEnv reads.
var Params = []string{"soft_bounce", "delay_logging_resolution_limit", "ipc_timeout", "daemon_timeout",
	"queue_directory", "hash_queue_names", "hash_queue_depth", "enable_long_queue_ids",
	"address_verify_service_name", "address_verify_negative_cache", "flush_service_name",
	"fast_flush_domains", "parent_domain_matches_subdomains"}
