package virtual

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/mailbox"
)

// recipient is one recipient being delivered.
type recipient struct {
	a    *Agent
	ctx  context.Context
	d    *deliver.Delivery
	idx  int
	user string // the address, folded: the lookup key
}

func (r *recipient) record(st deliver.Status, status, reason string) {
	r.d.Record(deliver.Outcome{Rcpt: r.idx, Status: st, Relay: r.a.service, DSN: deliver.Simple(status, reason)})
}

func (r *recipient) configError(format string, args ...any) {
	r.a.warn(format, args...)
	r.record(deliver.Deferred, "4.3.5", "mail system configuration error")
}

// deliverRecipient looks up the mailbox and the rights, and delivers.
func (a *Agent) deliverRecipient(ctx context.Context, d *deliver.Delivery, i int) {
	r := &recipient{a: a, ctx: ctx, d: d, idx: i, user: strings.ToLower(d.Req.Recipients[i].Address)}
	box, ok := r.find(a.mailboxes, "virtual_mailbox_maps")
	if !ok {
		return
	}
	if box == "" {
		r.record(deliver.Bounced, "5.1.1", fmt.Sprintf("unknown user: \"%s\"", r.user))
		return
	}
	path := a.base + "/" + box
	uid, ok := r.id(a.uids, "virtual_uid_maps", "uid", int64(a.minUID))
	if !ok {
		return
	}
	gid, ok := r.id(a.gids, "virtual_gid_maps", "gid", 1)
	if !ok {
		return
	}
	cred := mailbox.Cred{UID: uid, GID: gid}
	if strings.HasSuffix(path, "/") {
		r.deliverMaildir(cred, path)
	} else {
		r.deliverMailbox(cred, path)
	}
}

// find looks the recipient up; "" when not found. A table failure
// defers (false).
func (r *recipient) find(m *dict.Maps, title string) (string, bool) {
	res, found, err := m.FindAddr(r.user, r.a.addr, dict.FindDefault)
	if err != nil {
		r.configError("table %s: lookup %s: %v", title, r.user, err)
		return "", false
	}
	if !found {
		return "", true
	}
	return res.Value, true
}

// id looks up a uid or gid (what) that must be at least min.
func (r *recipient) id(m *dict.Maps, title, what string, min int64) (int, bool) {
	v, ok := r.find(m, title)
	if !ok {
		return 0, false
	}
	if v == "" {
		r.configError("recipient %s: not found in %s", r.user, title)
		return 0, false
	}
	n := atol(v)
	if n < min {
		r.configError("recipient %s: bad %s %s in %s", r.user, what, v, title)
		return 0, false
	}
	return int(n), true
}

// atol is C's atol(): leading blanks, a sign and digits; 0 otherwise.
func atol(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

// prefix is what the message gets in front.
func (r *recipient) prefix(flags int) string {
	rc := r.d.Req.Recipients[r.idx]
	return mailbox.Prefix(flags, mailbox.Envelope{Sender: r.d.Req.Sender, OrigRcpt: rc.OrigAddress,
		Delivered: rc.Address, EnableOrigRcpt: r.a.enableOrig, Now: r.a.now()})
}

// call runs the helper; a helper failure defers.
func (r *recipient) call(cred mailbox.Cred, req *mailbox.Request) (*mailbox.Response, bool) {
	content := r.d.File.Content()
	req.Size = content.Size()
	resp, err := r.a.runner.Call(r.ctx, cred, req, content)
	if err != nil {
		r.configError("%s: %v", r.d.Req.QueueID, err)
		return nil, false
	}
	for _, w := range resp.Warnings {
		r.a.warn("%s", w)
	}
	return resp, true
}

// deliverMailbox appends to a UNIX mailbox (mailbox.c
// deliver_mailbox_file()).
func (r *recipient) deliverMailbox(cred mailbox.Cred, path string) {
	a := r.a
	if r.d.Verify() {
		r.record(deliver.Sent, "2.0.0", "delivers to mailbox")
		return
	}
	req := &mailbox.Request{Op: mailbox.OpMbox, Path: path, Lock: a.lock, LockParams: a.lockParams,
		ChownUID: -1, ChownGID: -1, OwnerUID: -1, Regular: true, DefDSN: "4.2.0", Flags: mailbox.CopyMbox}
	if a.strictOwner {
		req.OwnerUID = cred.UID
	}
	req.Prefix = r.prefix(req.Flags)
	resp, ok := r.call(cred, req)
	if !ok {
		return
	}
	switch resp.Reject {
	case "not regular":
		a.warn("recipient %s: destination %s is not a regular file", r.d.Req.Recipients[r.idx].Address, path)
		resp.Error = &mailbox.Error{Status: "5.3.5", Text: "mail system configuration error"}
	case "not owner":
		resp.Error = &mailbox.Error{Status: "4.2.0", Text: fmt.Sprintf("destination %s is not owned by recipient", path)}
		a.warn("specify \"strict_mailbox_ownership = no\" to ignore mailbox ownership mismatch")
	}
	if e := resp.Error; e != nil {
		r.failure(e.Status, fmt.Sprintf("delivery failed to mailbox %s: %s", path, e.Text))
		return
	}
	r.record(deliver.Sent, "2.0.0", "delivered to mailbox")
}

// deliverMaildir delivers into a maildir (maildir.c).
func (r *recipient) deliverMaildir(cred mailbox.Cred, path string) {
	if r.d.Verify() {
		r.record(deliver.Sent, "2.0.0", "delivers to maildir")
		return
	}
	flags := mailbox.CopyToFile | mailbox.CopyReturnPath | mailbox.CopyDelivered | mailbox.CopyOrigRcpt
	req := &mailbox.Request{Op: mailbox.OpMaildir, Path: path, DefDSN: "4.2.0", Flags: flags, Prefix: r.prefix(flags)}
	resp, ok := r.call(cred, req)
	if !ok {
		return
	}
	if e := resp.Error; e != nil {
		if e.Errno == syscall.EACCES {
			r.a.warn("maildir access problem for UID/GID=%d/%d: %s", cred.UID, cred.GID, e.Text)
			r.a.warn("perhaps you need to create the maildirs in advance")
		}
		r.failure(e.Status, "maildir delivery failed: "+e.Text)
		return
	}
	r.record(deliver.Sent, "2.0.0", "delivered to maildir")
}

// failure bounces or defers by the status class.
func (r *recipient) failure(status, reason string) {
	if strings.HasPrefix(status, "4") {
		r.record(deliver.Deferred, status, reason)
	} else {
		r.record(deliver.Bounced, status, reason)
	}
}
