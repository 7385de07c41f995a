package local

import (
	"fmt"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/local/users"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/queue"
)

// deliverDotForward delivers to the addresses in the user's .forward
// file (dotforward.c deliver_dotforward()): the first file of
// forward_path that exists, examined and read with the user's rights; it
// must be a regular file owned by the user (or root) and not
// world-writable. found is false when there is no such user or file, or
// when the file lists no address: then the mailbox gets the mail.
func (s state) deliverDotForward(usr userAttr) (res result, found bool) {
	s.level++
	m := &s.msg
	a := s.job.a
	if a.p.forwardPath == "" {
		return ok, false
	}
	pw, err := users.Lookup(m.user)
	if err != nil {
		a.warn("error looking up passwd info for %s: %v", m.user, err)
		return s.deferTo("4.0.0", "user lookup error"), true
	}
	if pw == nil {
		return ok, false
	}
	if !a.p.frozenDelivered {
		m.delivered = m.rcpt.address
	}
	usr = userOf(pw)
	m.expType = expandForward
	m.owner = some(m.user)
	path, st, r, stop := s.findForward(&usr)
	if stop {
		return r, true
	}
	if path == "" {
		return ok, false
	}
	if s.job.d.Req.Flags&deliver.FlagMTAVerify != 0 {
		return s.sent("2.0.0", "forward via file: "+path), true
	}
	if s.job.dup.beenHere("forward " + path) {
		return ok, s.job.dup.check("forward-done " + path)
	}
	m.expFrom = some(m.local)
	return s.readForward(usr, path, st)
}

// findForward expands each forward_path entry and returns the first
// that exists (lstat as the user). An entry with an undefined name
// (such as ${extension} without an extension) is skipped. Unmatched
// extensions stop propagating when the file name used $extension or
// propagate_unmatched_extensions lacks "forward".
func (s *state) findForward(usr *userAttr) (string, *mailbox.Response, result, bool) {
	a := s.job.a
	for _, lhs := range config.SplitList(a.p.forwardPath) {
		path, status := s.expand(lhs, usr, a.p.fwdFilter)
		if status&(expandError|expandUndef) != 0 {
			continue
		}
		st, err := a.stat(s.job.ctx, a.rights(*usr), path, true)
		if err != nil {
			return "", nil, s.deferTo("4.3.0", fmt.Sprintf("cannot access forward file %s: %v", path, err)), true
		}
		if st.Errno == 0 {
			if status&expandExtensionMatched != 0 || a.p.extProp&extPropForward == 0 {
				s.msg.unmatched = opt{}
			}
			return path, st, ok, false
		}
	}
	return "", nil, ok, false
}

// readForward checks, reads and expands one .forward file.
func (s state) readForward(usr userAttr, path string, st *mailbox.Response) (result, bool) {
	a := s.job.a
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		a.warn("file %s is not a regular file", path)
		return ok, false
	case st.UID != 0 && st.UID != usr.uid:
		a.warn("file %s has bad owner uid %d", path, st.UID)
		return ok, false
	case st.Mode&0o002 != 0:
		a.warn("file %s is world writable", path)
		return ok, false
	}
	data, errno, err := a.read(s.job.ctx, a.rights(usr), path)
	if err != nil || errno != 0 {
		a.warn("cannot open file %s: %s", path, readErrText(errno, err))
		return ok, false
	}
	notify := s.msg.rcpt.notify
	s.msg.rcpt.notify = withoutSuccess(notify)
	count := 0
	r := s.deliverTokenStream(usr, data, &count)
	if count == 0 {
		return r, false
	}
	s.job.dup.beenHere("forward-done " + path)
	if r == ok && notify&queue.NotifySuccess != 0 {
		s.msg.rcpt.notify = notify
		s.traceExpanded("expanded")
	}
	return r, true
}
