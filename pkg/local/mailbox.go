package local

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/local/users"
	"github.com/postern/postern/pkg/mailbox"
)

// deliverMailbox delivers to the user's mailbox (mailbox.c
// deliver_mailbox()), in Postfix's order: mailbox_transport_maps,
// mailbox_transport (for every local recipient, known user or not),
// then for users in the password file mailbox_command_maps,
// mailbox_command, home_mailbox (a maildir when it ends in "/"), and
// the file in mail_spool_directory (a maildir per user when that ends
// in "/"). found is false for an unknown user.
func (s state) deliverMailbox(usr userAttr) (res result, found bool) {
	s.level++
	a := s.job.a
	m := &s.msg
	if s.job.dup.beenHere("mailbox " + m.local) {
		return ok, true
	}
	if r, done := s.mailboxTransport(); done {
		return r, true
	}
	pw, err := users.Lookup(m.user)
	if err != nil {
		a.warn("error looking up passwd info for %s: %v", m.user, err)
		return s.deferTo("4.0.0", "user lookup error"), true
	}
	if pw == nil {
		return ok, false
	}
	usr = userOf(pw)
	cmd, hit, err := a.mboxCmd.Find(m.user, false)
	switch {
	case err != nil:
		a.warn("%v", err)
		return s.deferTo("4.3.0", "table lookup failure"), true
	case hit:
		return s.deliverCommand(usr, cmd), true
	case a.p.mailboxCommand != "":
		return s.deliverCommand(usr, a.p.mailboxCommand), true
	case strings.HasSuffix(a.p.homeMailbox, "/"):
		return s.deliverMaildir(usr, usr.home.s+"/"+a.p.homeMailbox), true
	case strings.HasSuffix(a.p.spoolDir, "/"):
		return s.deliverMaildir(usr, a.p.spoolDir+m.user+"/"), true
	}
	return s.deliverMailboxFile(usr), true
}

// mailboxTransport hands the recipient to mailbox_transport_maps or
// mailbox_transport (deliver_pass()).
func (s *state) mailboxTransport() (result, bool) {
	a := s.job.a
	tr, hit, err := a.mboxTr.Find(s.msg.user, false)
	switch {
	case err != nil:
		a.warn("%v", err)
		return s.deferTo("4.3.0", "table lookup failure"), true
	case hit:
		return s.pass(tr), true
	case a.p.mailboxTransport != "":
		return s.pass(a.p.mailboxTransport), true
	}
	return ok, false
}

// deliverMailboxFile appends to the UNIX mailbox in the spool directory
// or home_mailbox (deliver_mailbox_file()). Privileges follow Postfix:
// in the home directory, or in a world-writable spool directory, all is
// done as the user; in a group-writable spool directory (Debian's
// /var/mail, root:mail 2775) as the user with the directory's group, so
// that the .lock file can be created; otherwise as root, and a new
// mailbox is given to the user.
func (s state) deliverMailboxFile(usr userAttr) result {
	s.level++
	a := s.job.a
	m := &s.msg
	if s.traceOnly() {
		return s.sent("2.0.0", "delivers to mailbox")
	}
	if !a.p.frozenDelivered {
		m.delivered = m.rcpt.address
	}
	path, spool := usr.home.s+"/"+a.p.homeMailbox, ""
	if a.p.homeMailbox == "" {
		spool = a.p.spoolDir
		path = spool + "/" + m.user
	}
	run, chown := spoolRights(spool, usr)
	req := a.mboxRequest(path, "5.2.0", a.copyFlags(mailbox.CopyMbox, deliverHdrFile))
	req.Regular, req.ChownUID, req.ChownGID = true, chown.UID, chown.GID
	if a.p.strictOwner {
		req.OwnerUID = usr.uid
	}
	resp, r, stop := s.runMessageHelper(run, req)
	if stop {
		return r
	}
	return s.mailboxResult(usr, path, resp)
}

// spoolRights decides the helper's rights and the owner of a new file.
func spoolRights(spool string, usr userAttr) (run, chown mailbox.Cred) {
	user := mailbox.Cred{UID: usr.uid, GID: usr.gid}
	none := mailbox.Cred{UID: -1, GID: -1}
	var st syscall.Stat_t
	switch {
	case spool == "" || syscall.Stat(spool, &st) != nil || st.Mode&0o002 != 0:
		return user, none
	case st.Mode&0o020 != 0:
		return mailbox.Cred{UID: usr.uid, GID: int(st.Gid)}, none
	}
	return mailbox.Cred{UID: 0, GID: 0}, user
}

// mailboxResult turns the helper's answer into the outcome.
func (s *state) mailboxResult(usr userAttr, path string, resp *mailbox.Response) result {
	a := s.job.a
	switch {
	case resp.Reject == "not regular":
		resp.Error = &mailbox.Error{Status: "5.2.0", Text: fmt.Sprintf("destination %s is not a regular file", path)}
	case resp.Reject == "not owner":
		resp.Error = &mailbox.Error{Status: "4.2.0", Text: fmt.Sprintf("destination %s is not owned by recipient", path)}
		a.warn("specify \"strict_mailbox_ownership = no\" to ignore mailbox ownership mismatch")
	}
	if e := resp.Error; e != nil {
		return s.fail(unixDSN(e.Status, fmt.Sprintf("cannot update mailbox %s for user %s. %s", path, s.msg.user, e.Text), e.Diag))
	}
	r := s.sent("2.0.0", "delivered to mailbox")
	if a.p.biff {
		biffNotify(fmt.Sprintf("%s@%d", usr.logname.s, resp.Offset))
	}
	return r
}

// mboxRequest is a helper request to append to a file.
func (a *Agent) mboxRequest(path, defDSN string, flags int) *mailbox.Request {
	return &mailbox.Request{Op: mailbox.OpMbox, Path: path, Lock: a.p.lock, LockParams: a.p.lockParams,
		ChownUID: -1, ChownGID: -1, OwnerUID: -1, DefDSN: defDSN, Flags: flags}
}

// copyFlags drops Delivered-To: when prepend_delivered_header lacks ctx.
func (a *Agent) copyFlags(flags, ctx int) int {
	if a.p.hdrMask&ctx == 0 {
		flags &^= mailbox.CopyDelivered
	}
	return flags
}

// runMessageHelper runs a helper that writes the message, with the
// prefix lines for the current recipient. A helper that fails defers.
func (s *state) runMessageHelper(cred mailbox.Cred, req *mailbox.Request) (*mailbox.Response, result, bool) {
	a, d := s.job.a, s.job.d
	req.Prefix = mailbox.Prefix(req.Flags, mailbox.Envelope{Sender: s.msg.sender, OrigRcpt: s.msg.rcpt.origAddr,
		Delivered: s.msg.delivered, EnableOrigRcpt: a.p.enableOrigRcpt, Now: a.now()})
	content := d.File.Content()
	req.Size = content.Size()
	resp, err := a.runner.Call(s.job.ctx, cred, req, content)
	if err != nil {
		a.warn("%s: %v", d.Req.QueueID, err)
		return nil, s.deferTo("4.3.0", "mail system configuration error"), true
	}
	for _, w := range resp.Warnings {
		a.warn("%s", w)
	}
	return resp, ok, false
}

// deliverMaildir delivers to a maildir as the user (maildir.c).
func (s state) deliverMaildir(usr userAttr, path string) result {
	s.level++
	a := s.job.a
	if s.traceOnly() {
		return s.sent("2.0.0", "delivers to maildir")
	}
	if !a.p.frozenDelivered {
		s.msg.delivered = s.msg.rcpt.address
	}
	flags := a.copyFlags(mailbox.CopyToFile|mailbox.CopyReturnPath|mailbox.CopyOrigRcpt|mailbox.CopyDelivered, deliverHdrFile)
	req := &mailbox.Request{Op: mailbox.OpMaildir, Path: path, DefDSN: "5.2.0", Flags: flags}
	cred := mailbox.Cred{UID: usr.uid, GID: usr.gid}
	resp, r, stop := s.runMessageHelper(cred, req)
	if stop {
		return r
	}
	if e := resp.Error; e != nil {
		if e.Errno == syscall.EACCES {
			a.warn("maildir access problem for UID/GID=%d/%d: %s", usr.uid, usr.gid, e.Text)
			a.warn("perhaps you need to create the maildirs in advance")
		}
		return s.fail(unixDSN(e.Status, "maildir delivery failed: "+e.Text, e.Diag))
	}
	return s.sent("2.0.0", "delivered to maildir")
}
