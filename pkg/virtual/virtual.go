// Package virtual is Postfix's virtual(8) delivery agent: it delivers
// mail for $virtual_mailbox_domains to mailboxes and maildirs under
// $virtual_mailbox_base, with the rights that $virtual_uid_maps and
// $virtual_gid_maps give each recipient.
//
// For each recipient of a request (virtual.c, recipient.c, mailbox.c,
// maildir.c):
//
//   - the whole address, folded to lower case, is looked up in
//     virtual_mailbox_maps in mail_addr_find() order (user@domain,
//     user@domain without the address extension, @domain); not found
//     bounces with 5.1.1 unknown user: "ADDR";
//   - the result is a path under virtual_mailbox_base: a maildir when it
//     ends in "/", else a UNIX mailbox file, locked with
//     virtual_mailbox_lock (fcntl and dotlock by default);
//   - the uid comes from virtual_uid_maps and must be at least
//     virtual_minimum_uid, the gid from virtual_gid_maps (non-zero);
//     missing or bad values defer with "4.3.5 mail system configuration
//     error" and a warning;
//   - the write happens in a helper process that runs as that uid/gid
//     (pkg/mailbox), never as root; the agent itself runs as
//     $mail_owner between deliveries, as Postfix's virtual does;
//   - the message gets Return-Path:, X-Original-To: and Delivered-To:
//     (and a "From " line, ">From " quoting and a blank line in mbox
//     format). Log: "status=sent (delivered to maildir)" or "(delivered
//     to mailbox)", relay=virtual (the service name).
//
// Parameters read: virtual_mailbox_base, virtual_mailbox_maps,
// virtual_uid_maps, virtual_gid_maps, virtual_minimum_uid,
// virtual_mailbox_lock, virtual_mailbox_limit (the file size limit of
// the process), strict_mailbox_ownership, deliver_lock_attempts,
// deliver_lock_delay, stale_lock_time, enable_original_recipient,
// recipient_delimiter, virtual_delivery_status_filter (only empty), and
// the address class parameters of pkg/resolve (for the local-domain test
// of address lookups).
package virtual

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/resolve"
)

// Params are the main.cf parameters virtual(8) reads.
var Params = []string{
	"virtual_mailbox_base", "virtual_mailbox_maps", "virtual_uid_maps", "virtual_gid_maps",
	"virtual_minimum_uid", "virtual_mailbox_lock", "virtual_mailbox_limit", "message_size_limit",
	"strict_mailbox_ownership", "deliver_lock_attempts", "deliver_lock_delay", "stale_lock_time",
	"enable_original_recipient", "recipient_delimiter", "virtual_delivery_status_filter", "mail_owner",
}

// Agent is the virtual delivery agent of one process.
type Agent struct {
	service                 string
	base                    string
	minUID                  int
	lock                    mailbox.LockMask
	lockParams              mailbox.LockParams
	strictOwner, enableOrig bool
	mailboxes, uids, gids   *dict.Maps
	addr                    dict.AddrParams
	resolver                *resolve.Resolver
	runner                  *mailbox.Runner
	info, warn              func(string, ...any)
	now                     func() time.Time
}

// Options are what New cannot read from main.cf.
type Options struct {
	Service    string // master.cf service name ("virtual"), logged as relay=
	Info, Warn func(string, ...any)
}

// New reads virtual(8)'s parameters and opens its tables.
func New(cfg *config.Config, opts Options) (*Agent, error) {
	a := &Agent{service: opts.Service, info: opts.Info, warn: opts.Warn, now: time.Now,
		runner: mailbox.NewRunner("virtual", nil)}
	if a.info == nil {
		a.info = maillog.Info
	}
	if a.warn == nil {
		a.warn = maillog.Warn
	}
	if err := a.readParams(cfg); err != nil {
		return nil, err
	}
	if err := a.open(cfg); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *Agent) readParams(cfg *config.Config) error {
	var err error
	if v := cfg.Get("virtual_delivery_status_filter"); v != "" {
		// XXX: dsn_filter(3) is not implemented.
		return fmt.Errorf("virtual_delivery_status_filter = %s: delivery status filters are not implemented in Postern", v)
	}
	a.base = cfg.Get("virtual_mailbox_base")
	if a.minUID, err = cfg.Int("virtual_minimum_uid"); err != nil {
		return err
	}
	if a.lock, err = mailbox.ParseLockMask("virtual_mailbox_lock", cfg.Get("virtual_mailbox_lock")); err != nil {
		return err
	}
	if a.lockParams, err = mailbox.ReadLockParams(cfg); err != nil {
		return err
	}
	if a.strictOwner, err = cfg.Bool("strict_mailbox_ownership"); err != nil {
		return err
	}
	if a.enableOrig, err = cfg.Bool("enable_original_recipient"); err != nil {
		return err
	}
	return checkLimit(cfg)
}

// checkLimit is virtual.c pre_init(): virtual_mailbox_limit must not be
// below message_size_limit.
func checkLimit(cfg *config.Config) error {
	limit, err := cfg.Long("virtual_mailbox_limit")
	if err != nil || limit <= 0 {
		return err
	}
	msg, err := cfg.Long("message_size_limit")
	if err != nil {
		return err
	}
	if msg <= 0 {
		return fmt.Errorf("configuration error: virtual_mailbox_limit is limited but message_size_limit is unlimited")
	}
	if limit < msg {
		return fmt.Errorf("configuration error: virtual_mailbox_limit is smaller than message_size_limit")
	}
	return nil
}

// open opens the three tables and the resolver that says which domains
// are local (for the address lookup order).
func (a *Agent) open(cfg *config.Config) error {
	dopts := dict.Options{Flags: dict.Lock | dict.FoldFix, Param: cfg.Get, Warn: func(m string) { a.warn("%s", m) }}
	var err error
	for _, t := range []struct {
		name string
		dst  **dict.Maps
	}{{"virtual_mailbox_maps", &a.mailboxes}, {"virtual_uid_maps", &a.uids}, {"virtual_gid_maps", &a.gids}} {
		if *t.dst, err = dict.OpenMaps(t.name, cfg.Get(t.name), dopts); err != nil {
			return err
		}
	}
	if a.resolver, err = resolve.New(cfg, resolve.Options{Dict: dopts}); err != nil {
		return err
	}
	own, _ := cfg.Bool("owner_request_special")
	a.addr = dict.AddrParams{Delimiter: cfg.Get("recipient_delimiter"), Myorigin: cfg.Get("myorigin"),
		DoubleBounceSender: cfg.Get("double_bounce_sender"), OwnerRequestSpecial: own, IsLocal: a.resolver.IsLocal}
	return nil
}

// SetPrivs gives the agent the privilege switch made after startup.
func (a *Agent) SetPrivs(p *mailbox.Privs) { a.runner.Privs = p }

// Close closes the tables.
func (a *Agent) Close() {
	for _, m := range []*dict.Maps{a.mailboxes, a.uids, a.gids} {
		if m != nil {
			m.Close()
		}
	}
	if a.resolver != nil {
		a.resolver.Close()
	}
}

// Deliver delivers each recipient of a request (local_deliver() of
// virtual.c); every recipient gets exactly one outcome.
func (a *Agent) Deliver(ctx context.Context, d *deliver.Delivery) error {
	if !strings.HasPrefix(a.base, "/") {
		maillog.Fatal("do not specify relative pathname: virtual_mailbox_base = %s", a.base)
	}
	for i := range d.Req.Recipients {
		a.deliverRecipient(ctx, d, i)
	}
	return nil
}
