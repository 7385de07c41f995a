package local

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
)

// deliverFile appends to a file named in an alias, .forward or
// :include: file (file.c deliver_file()), as the user whose rights
// apply (default_privs when none): UNIX mailbox format, or a maildir
// when the name ends in "/". Executable files are refused; a file that
// is not regular (/dev/null, a FIFO) gets the data without sync or
// truncation.
func (s state) deliverFile(usr userAttr, path string) result {
	s.level++
	a := s.job.a
	if s.job.dup.beenHere(fmt.Sprintf("file %d %s", usr.uid, path)) {
		return ok
	}
	if a.p.fileMask&s.msg.expType == 0 {
		return s.bounceWorkaround(deliver.Simple("5.7.1", "mail to file is restricted"))
	}
	if s.traceOnly() {
		return s.sent("2.0.0", "delivers to file: "+path)
	}
	cred := a.privRights(usr)
	usr.uid, usr.gid = cred.UID, cred.GID
	if strings.HasSuffix(path, "/") {
		return s.deliverMaildir(usr, path)
	}
	req := a.mboxRequest(path, "5.2.0", a.copyFlags(mailbox.CopyMbox, deliverHdrFile))
	req.Lock |= mailbox.LockDotMayFail
	req.NoExec = true
	resp, r, stop := s.runMessageHelper(cred, req)
	if stop {
		return r
	}
	if resp.Reject == "executable" {
		resp.Error = &mailbox.Error{Status: "5.7.1", Text: "file is executable"}
	}
	if e := resp.Error; e != nil {
		return s.bounceWorkaround(unixDSN(e.Status, fmt.Sprintf("cannot append message to file %s: %s", path, e.Text), e.Diag))
	}
	return s.sent("2.0.0", "delivered to file: "+path)
}
