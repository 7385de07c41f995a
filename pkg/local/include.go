package local

import (
	"fmt"
	"syscall"

	"github.com/postern/postern/pkg/local/users"
	"github.com/postern/postern/pkg/mailbox"
)

// maxFileRead bounds what is read of a .forward or :include: file.
const maxFileRead = 16 << 20

// deliverInclude delivers to the addresses listed in an :include: file
// (include.c deliver_include()). The file is examined and read with the
// rights in effect; under a root-owned alias the rights become those of
// the file's owner, so that a user's include file cannot act as the
// default account. Addresses from include files are always forwarded as
// a new message (see deliverSwitch).
func (s state) deliverInclude(usr userAttr, path string) result {
	s.level++
	m := &s.msg
	a := s.job.a
	if s.level > maxLevel {
		a.warn(":include: nesting limit exceeded for %s", path)
		return s.bounce("5.4.6", ":include: nesting limit exceeded")
	}
	if s.job.dup.beenHere(fmt.Sprintf("include %d %s", usr.uid, path)) {
		return ok
	}
	m.expFrom = some(m.local)
	if len(path) == 0 || path[0] != '/' {
		a.warn(":include:%s uses a relative path", path)
		return s.bounce("5.3.5", "mail system configuration error")
	}
	st, err := a.stat(s.job.ctx, a.rights(usr), path, false)
	if r, stop := s.includeChecks(path, st, err); stop {
		return r
	}
	m.expType = expandInclude
	if usr.uid == 0 {
		pw, err := users.LookupUID(st.UID)
		if err != nil || pw == nil {
			a.warn("cannot find username for uid %d", st.UID)
			a.warn("%s: cannot find :include: file owner username", path)
			return s.deferTo("4.3.5", "mail system configuration error")
		}
		if pw.UID != 0 {
			usr = userOf(pw)
		}
	}
	if !m.owner.ok {
		m.owner = some(m.rcpt.address)
	}
	data, errno, err := a.read(s.job.ctx, a.rights(usr), path)
	if err != nil || errno != 0 {
		a.warn("cannot open include file %s: %s", path, readErrText(errno, err))
		return s.bounce("5.3.5", "mail system configuration error")
	}
	if a.p.extProp&extPropInclude == 0 {
		m.unmatched = opt{}
	}
	return s.deliverTokenStream(usr, data, nil)
}

// includeChecks refuses include files that are missing, not regular or
// world-writable.
func (s *state) includeChecks(path string, st *mailbox.Response, err error) (result, bool) {
	a := s.job.a
	switch {
	case err != nil:
		a.warn("unable to lookup :include: file %s: %v", path, err)
		return s.deferTo("4.3.0", "mail system configuration error"), true
	case st.Errno != 0:
		a.warn("unable to lookup :include: file %s: %s", path, mailbox.ErrText(st.Errno))
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		a.warn(":include: file %s is not a regular file", path)
	case st.Mode&0o002 != 0:
		a.warn(":include: file %s is world writable", path)
	default:
		return ok, false
	}
	return s.bounce("5.3.5", "mail system configuration error"), true
}

func readErrText(errno syscall.Errno, err error) string {
	if err != nil {
		return err.Error()
	}
	return mailbox.ErrText(errno)
}
