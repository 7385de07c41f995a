package local

import (
	"context"
	"fmt"
	"time"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/resolve"
)

// Agent is the local delivery agent of one process: its settings, its
// open tables and its helpers. It serves one request at a time.
type Agent struct {
	p         *params
	service   string // master.cf service name: relay= in the log
	env       *deliver.Env
	aliases   *aliasMaps
	mboxTr    *dict.Maps // mailbox_transport_maps
	mboxCmd   *dict.Maps // mailbox_command_maps
	fallback  *dict.Maps // fallback_transport_maps
	resolver  *resolve.Resolver
	runner    *mailbox.Runner
	client    *deliver.Client // deliver_pass() to other transports
	queueDir  string
	bounceSet bounce.Settings // for notices to owner- aliases
	info      func(string, ...any)
	warn      func(string, ...any)
	errorf    func(string, ...any)
	now       func() time.Time
}

// Options are what New cannot read from main.cf.
type Options struct {
	Service string       // master.cf service name ("local")
	Env     *deliver.Env // the delivery protocol settings (deliver.NewEnv)
	// Info, Warn and Error log; nil means the process logger
	// (pkg/maillog).
	Info, Warn, Error func(string, ...any)
}

// New reads local(8)'s parameters and opens its tables. It runs before
// privileges are dropped; SetPrivs finishes the setup after.
func New(cfg *config.Config, opts Options) (*Agent, error) {
	p, err := readParams(cfg)
	if err != nil {
		return nil, err
	}
	a := &Agent{p: p, service: opts.Service, env: opts.Env, info: opts.Info, warn: opts.Warn, errorf: opts.Error,
		now: time.Now}
	if a.info == nil {
		a.info = maillog.Info
	}
	if a.warn == nil {
		a.warn = maillog.Warn
	}
	if a.errorf == nil {
		a.errorf = maillog.Error
	}
	if on, _ := cfg.Bool("sun_mailtool_compatibility"); on {
		a.warn("sun_mailtool_compatibility: deprecated parameter, use \"mailbox_delivery_lock = dotlock\" instead")
	}
	a.queueDir = cfg.Get("queue_directory")
	if a.bounceSet, err = bounce.SettingsFromConfig(cfg, func(m string) { a.warn("%s", m) }); err != nil {
		return nil, err
	}
	a.client = &deliver.Client{QueueDir: a.queueDir, IPCTimeout: p.ipcTimeout}
	a.runner = mailbox.NewRunner("local", nil)
	if err := a.open(cfg); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// open opens alias_maps and the other tables, and the address resolver.
// A table that cannot be opened is logged as an "error:" record and
// replaced by a stand-in whose lookups fail (Postfix's dict_surrogate(),
// which local(8) allows as every daemon does): the mail that needs it
// is deferred ("alias database unavailable") instead of local stopping.
func (a *Agent) open(cfg *config.Config) error {
	dopts := dict.Options{Flags: dict.Lock | dict.FoldFix, Param: cfg.Get, Surrogate: true,
		Warn:  func(m string) { a.warn("%s", m) },
		Error: func(m string) { a.errorf("%s", m) }}
	var err error
	if a.aliases, err = openAliases(cfg.Get("alias_maps"), dopts); err != nil {
		return err
	}
	dopts.Flags |= dict.NoRegsub
	if a.mboxTr, err = dict.OpenMaps("mailbox_transport_maps", cfg.Get("mailbox_transport_maps"), dopts); err != nil {
		return err
	}
	if a.fallback, err = dict.OpenMaps("fallback_transport_maps", cfg.Get("fallback_transport_maps"), dopts); err != nil {
		return err
	}
	dopts.Flags &^= dict.NoRegsub
	if a.mboxCmd, err = dict.OpenMaps("mailbox_command_maps", cfg.Get("mailbox_command_maps"), dopts); err != nil {
		return err
	}
	a.resolver, err = resolve.New(cfg, resolve.Options{Dict: dopts})
	return err
}

// SetPrivs gives the agent the privilege switch made after startup
// (mailbox.DropTo); nil when the process is not root.
func (a *Agent) SetPrivs(p *mailbox.Privs) { a.runner.Privs = p }

// Close closes the tables.
func (a *Agent) Close() {
	for _, m := range []*dict.Maps{a.mboxTr, a.mboxCmd, a.fallback} {
		if m != nil {
			m.Close()
		}
	}
	if a.aliases != nil {
		a.aliases.close()
	}
	if a.resolver != nil {
		a.resolver.Close()
	}
}

// Deliver delivers one request (local_deliver()): each recipient is
// expanded and delivered on its own, with its own duplicate filter and
// forwarded messages, and finished (done or pending) before the next.
func (a *Agent) Deliver(ctx context.Context, d *deliver.Delivery) error {
	loop, err := deliveredTo(d.Content())
	if err != nil {
		return fmt.Errorf("%s: read message: %w", d.Req.QueueID, err)
	}
	for i, rc := range d.Req.Recipients {
		j := &job{a: a, ctx: ctx, d: d, idx: i, loop: loop, dup: newDupFilter(a.p.dupLimit)}
		j.fwd = newForwarder(j)
		s := state{job: j, msg: msgAttr{
			sender: d.Req.Sender, dsnEnvID: d.Req.DSNEnvID, dsnRet: d.Req.DSNRet, relay: a.service,
			rcpt: rcpt{address: rc.Address, origAddr: rc.OrigAddress, orcpt: rc.ORCPT, notify: rc.Notify},
		}}
		r := s.deliverRecipient(userAttr{})
		r |= j.fwd.finish(s.msg, r)
		j.settle(r)
	}
	return nil
}
