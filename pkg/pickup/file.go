package pickup

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// maildropFile is one maildrop file being picked up.
type maildropFile struct {
	entry queue.Entry
	rel   string // "maildrop/ID", for messages
	f     *os.File
	st    syscall.Stat_t
	env   *queue.Envelope
}

// pickupFile handles one maildrop file and reports whether it is gone
// (queued, bounced, discarded or moved aside).
func (s *Service) pickupFile(e queue.Entry) bool {
	mf := &maildropFile{entry: e, rel: queue.Maildrop + "/" + e.ID}
	f, err := os.OpenFile(e.Path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return s.openFailed(mf, err)
	}
	defer f.Close()
	mf.f = f
	if err := syscall.Fstat(int(f.Fd()), &mf.st); err != nil {
		s.log.Warn("fstat %s: %s", mf.rel, config.Strerror(err))
		return false
	}
	if mf.st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		s.log.Warn("%s: uid %d: not a regular file", mf.rel, mf.st.Uid)
		return false
	}
	env, err := queue.Parse(f, mf.st.Size)
	if err != nil {
		return s.corrupt(mf, err)
	}
	env.ID = e.ID
	mf.env = env
	if !s.feed(mf) {
		return false
	}
	return s.remove(mf)
}

// openFailed is pickup_file()'s handling of an open error: a file that
// went away is done; one pickup may not read is kept (a later chmod can
// fix it); anything else is removed so that it is not retried forever.
func (s *Service) openFailed(mf *maildropFile, err error) bool {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false
	case errors.Is(err, os.ErrPermission):
		s.log.Warn("open input file %s: %s", mf.rel, config.Strerror(err))
		return false
	}
	s.log.Warn("open input file %s: %s", mf.rel, config.Strerror(err))
	return s.remove(mf)
}

// corrupt moves a file that does not parse to the corrupt queue.
func (s *Service) corrupt(mf *maildropFile, err error) bool {
	s.log.Warn("uid=%d: malformed file %s: %v", mf.st.Uid, mf.rel, err)
	if merr := s.layout.Move(mf.entry.ID, queue.Maildrop, queue.Corrupt); merr != nil {
		s.log.Warn("%v", merr)
		return s.remove(mf)
	}
	s.log.Warn("saving corrupt file \"%s\" from queue \"%s\" to queue \"%s\"", mf.entry.ID, queue.Maildrop, queue.Corrupt)
	return true
}

// remove deletes a maildrop file that is done with.
func (s *Service) remove(mf *maildropFile) bool {
	if err := os.Remove(mf.entry.Path); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove %s: %s", mf.rel, config.Strerror(err))
		}
		return false
	}
	return true
}
