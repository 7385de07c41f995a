// Package cleanup is Postfix's cleanup(8) as a library: it turns one
// message from smtpd, pickup (sendmail/postdrop) or the bounce daemon into
// a queue file and wakes the queue manager.
//
// Use: c, err := cleanup.New(cfg, cleanup.Options{}) once per process
// (opens the address tables), then per message
//
//	m, err := c.Begin(cleanup.Meta{...})  // assigns the queue ID
//	m.SetSender(addr, ret, envid)
//	m.AddRecipient(addr, orcpt, notify)   // once per recipient
//	m.Write(p)                            // content: LF line ends, dot-unstuffed
//	id, err := m.Commit()                 // durable, then qmgr is woken
//
// or m.Abort() at any point. A Message streams: content goes to the queue
// file as it arrives; only the header block (at most header_size_limit
// bytes) is held for inspection. Message-level failures (size limit,
// alias expansion trouble, write errors) are sticky: Write and
// AddRecipient keep accepting input and Commit returns the failure as an
// *smtperr.Error with Postfix's reply (cleanup_strerror.c), so that smtpd
// can read DATA to its end and answer as Postfix does.
//
// What cleanup does, in Postfix's order:
//   - envelope addresses: unqualified ones get @$myorigin
//     (append_at_myorigin) and host-only domains .$mydomain
//     (append_dot_mydomain); then canonical_maps with
//     sender_canonical_maps / recipient_canonical_maps (canonical_classes),
//     then, for recipients, virtual_alias_maps with recursive expansion
//     (virtual_alias_recursion_limit, virtual_alias_expansion_limit,
//     virtual_alias_address_length_limit) and duplicate elimination;
//   - automatic BCC recipients: sender_bcc_maps, recipient_bcc_maps,
//     always_bcc (not for internally generated mail);
//   - headers: a Received: header is prepended; missing Message-Id:,
//     Date: and From: (and To: with undisclosed_recipients_header for
//     local submissions without recipients headers) are added at the end
//     of the header block; headers beyond header_size_limit are dropped
//     (the message is still delivered), as are the headers named in
//     message_drop_headers (Bcc:, Content-Length:, Resent-Bcc: and
//     Return-Path: by default; MIME headers are never dropped);
//     header addresses are rewritten
//     like envelope addresses in the local rewrite context;
//   - the message size as Postfix counts it (its queue file's content
//     records, line_length_limit long: queue.MessageSize) is stored in
//     the queue file for qmgr, showq, smtp and bounce;
//   - message_size_limit (552 5.3.4) on the queue file size, its content
//     counted as Postfix's records;
//   - the queue file is made durable (queue.Writer.Commit) and qmgr is
//     woken by a "W" written to public/qmgr.
//
// Log lines: "QID: message-id=<...>" (or "resent-message-id=<...>"), and
// warnings worded as Postfix's cleanup(8).
//
// Parameters read: myhostname, mydomain, myorigin, mydestination,
// append_at_myorigin, append_dot_mydomain, canonical_maps,
// sender_canonical_maps, recipient_canonical_maps, canonical_classes,
// sender_canonical_classes, recipient_canonical_classes, virtual_alias_maps,
// virtual_alias_recursion_limit, virtual_alias_expansion_limit,
// virtual_alias_address_length_limit, always_bcc, sender_bcc_maps,
// recipient_bcc_maps, recipient_delimiter,
// propagate_unmatched_extensions, header_size_limit, message_size_limit,
// undisclosed_recipients_header, always_add_missing_headers, message_drop_headers,
// receive_override_options, enable_original_recipient, delay_warning_time,
// queue_directory, hash_queue_names, hash_queue_depth, enable_long_queue_ids,
// mail_name, line_length_limit.
//
// What cleanup does not do yet: header_checks, body_checks, milters,
// masquerade_domains and MIME processing; New refuses a configuration that
// sets one (unsupported.go), see docs/compatibility.md.
package cleanup

import (
	"fmt"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
)

// Options are per-process choices of the program using cleanup.
type Options struct {
	// Layout overrides the queue layout read from the configuration.
	Layout *queue.Layout
	// Now returns the current time, used as the arrival time (tests with
	// their own clock); nil means the queue file creation time.
	Now func() time.Time
	// Wake is called after each successful Commit to start delivery; nil
	// means writing "W" to $queue_directory/public/qmgr (WakeQmgr).
	Wake func()
	// Logf receives log lines: level is "info" or "warning". nil means
	// the process logger (pkg/maillog).
	Logf func(level, format string, args ...any)
}

// Meta describes where a message comes from. smtpd fills in the client
// fields; pickup sets Origin "pickup" and LocalUID.
type Meta struct {
	ClientName string // verified client hostname or "unknown"
	ClientAddr string // IP address, IPv6 without brackets
	ClientPort string
	Helo       string // HELO/EHLO argument as given
	Protocol   string // "SMTP", "ESMTP" (smtpd adds S/A/SA suffixes itself only via TLS/SASL below)
	SASLMethod string // AUTH mechanism, "" when not authenticated
	SASLUser   string // SASL login name
	SASLSender string // AUTH= parameter of MAIL FROM
	TLS        string // Received: text for TLS, e.g. "(using TLSv1.3 with cipher ... (256/256 bits))"; "" without TLS
	TLSActive  bool   // the session is encrypted (ESMTPS), even when TLS is "" (smtpd_tls_received_header = no)
	Origin     string // "smtpd", "pickup", "sendmail", "bounce"
	LocalUID   int    // submitting user for pickup/sendmail; -1 unknown
	FullName   string // sender full name (sendmail -F) for a generated From:
	// RewriteContext is "local" or "remote" (local_header_rewrite_clients,
	// decided by smtpd). "" means local, as for pickup.
	RewriteContext string
	// LogIdent is the queue ID other programs log for this message
	// (e.g. the original for a bounce); "" for none.
	LogIdent string
	// Arrival is the arrival time when the message arrived before
	// cleanup saw it (pickup: the maildrop file's time); zero means now.
	Arrival time.Time
}

// Cleanup is the per-process cleanup service: configuration and open
// tables. It is safe for concurrent use by several Messages.
type Cleanup struct {
	cfg        *config.Config
	opts       Options
	layout     *queue.Layout
	p          *params
	local      *localDomains
	addrParams dict.AddrParams
	canonical  *dict.Maps // canonical_maps
	sendCanon  *dict.Maps // sender_canonical_maps
	rcptCanon  *dict.Maps // recipient_canonical_maps
	virtual    *dict.Maps // virtual_alias_maps
	senderBcc  *dict.Maps // sender_bcc_maps
	rcptBcc    *dict.Maps // recipient_bcc_maps
}

// New reads cleanup's parameters and opens its tables. It fails on a bad
// parameter value or a table that cannot be opened, naming it.
func New(cfg *config.Config, opts Options) (*Cleanup, error) {
	if err := checkUnsupported(cfg); err != nil {
		return nil, err
	}
	p, err := readParams(cfg)
	if err != nil {
		return nil, err
	}
	c := &Cleanup{cfg: cfg, opts: opts, p: p, layout: opts.Layout}
	if c.layout == nil {
		if c.layout, err = queue.NewLayout(cfg); err != nil {
			return nil, err
		}
	}
	if err := c.openTables(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// openTables opens the address mapping tables and the local domain list.
func (c *Cleanup) openTables() error {
	// A table that cannot be opened fails its lookups (the message is
	// not accepted, try again later) instead of stopping the daemon
	// that links cleanup: Postfix's dict_allow_surrogate.
	dopts := dict.Options{Flags: dict.MapsFlags, Param: c.cfg.Get, Surrogate: true,
		Warn:  func(msg string) { c.logf("warning", "%s", msg) },
		Error: func(msg string) { c.logf("error", "%s", msg) }}
	var err error
	if c.local, err = newLocalDomains(c.cfg, dopts); err != nil {
		return err
	}
	c.addrParams = dict.AddrParams{
		Delimiter: c.p.recipientDelimiter, Myorigin: c.p.myorigin,
		DoubleBounceSender: c.p.doubleBounceSender, OwnerRequestSpecial: c.p.ownerRequestSpecial,
		IsLocal: c.local.IsLocal,
	}
	if c.p.noAddressMappings {
		return nil
	}
	for _, t := range []struct {
		name string
		dst  **dict.Maps
	}{
		{"canonical_maps", &c.canonical}, {"sender_canonical_maps", &c.sendCanon},
		{"recipient_canonical_maps", &c.rcptCanon}, {"virtual_alias_maps", &c.virtual},
		{"sender_bcc_maps", &c.senderBcc}, {"recipient_bcc_maps", &c.rcptBcc},
	} {
		if *t.dst, err = openMaps(t.name, c.cfg.Get(t.name), dopts); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the tables.
func (c *Cleanup) Close() error {
	for _, m := range []*dict.Maps{c.canonical, c.sendCanon, c.rcptCanon, c.virtual, c.senderBcc, c.rcptBcc} {
		if m != nil {
			m.Close()
		}
	}
	if c.local != nil {
		c.local.close()
	}
	return nil
}

// Layout returns the queue layout messages are written to.
func (c *Cleanup) Layout() *queue.Layout { return c.layout }

// logf logs through Options.Logf or the process logger.
func (c *Cleanup) logf(level, format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(level, format, args...)
		return
	}
	switch level {
	case "warning":
		maillog.Warn(format, args...)
	case "error":
		maillog.Error(format, args...)
	default:
		maillog.Info(format, args...)
	}
}

// Begin starts a message: it creates the queue file, which fixes the
// queue ID, and records where the message comes from. The error is an
// *smtperr.Error (451 4.3.0 queue file write error) when the queue file
// cannot be created.
func (c *Cleanup) Begin(meta Meta) (*Message, error) {
	w, err := c.layout.Create()
	if err != nil {
		c.logf("warning", "%v", err)
		return nil, errWrite(err).err
	}
	switch {
	case !meta.Arrival.IsZero():
		w.SetArrival(meta.Arrival)
	case c.opts.Now != nil:
		w.SetArrival(c.opts.Now())
	}
	m := &Message{c: c, meta: meta, w: w, id: w.ID(), seen: map[string]bool{}}
	if meta.RewriteContext == "remote" {
		m.hdrContext, m.hdrRewrite = c.remoteContext(), c.p.remoteRewriteDomain != ""
	} else if meta.RewriteContext == "" || meta.RewriteContext == "local" {
		m.hdrContext, m.hdrRewrite = c.localContext(), true
	} else {
		c.logf("warning", "%s: message rejected: bad rewriting context: %.100s", m.id, meta.RewriteContext)
		m.fail(errBad("internal protocol error"))
	}
	m.writeMeta()
	return m, nil
}

// check ensures the Message is still open.
func (m *Message) check() error {
	if m.closed {
		return fmt.Errorf("cleanup: message %s already committed or aborted", m.id)
	}
	return nil
}
