package flush

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// How a log is flushed (flush.c REFRESH_ONLY, UNTHROTTLE_BEFORE,
// UNTHROTTLE_AFTER).
const (
	refreshOnly       = 0
	unthrottleBefore  = 1 << 0 // qmgr "F" before the files move
	unthrottleAfter   = 1 << 1 // group-read bit on each file
	dupFilterSize     = 10000  // FLUSH_DUP_FILTER_SIZE
	logMode           = 0o600
	openAppendFlags   = unix.O_CREAT | unix.O_APPEND | unix.O_WRONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW
	openReadFlags     = unix.O_RDWR | unix.O_CLOEXEC | unix.O_NOFOLLOW
	qmgrFlushDead     = "F" // QMGR_REQ_FLUSH_DEAD
	qmgrScanIncoming  = "I" // QMGR_REQ_SCAN_INCOMING
	flushQueue        = queue.Flush
	deferredQueue     = queue.Deferred
	incomingQueue     = queue.Incoming
	flushAddName      = "flush_add_path"
	flushSendPathName = "flush_send_path"
)

// eligible checks the destination against $fast_flush_domains and
// returns its log name, or the status to answer.
func (s *Service) eligible(site string) (string, int) {
	ok, err := s.Domains.Match(site)
	if err != nil {
		return "", StatFail
	}
	if !ok {
		return "", StatDeny
	}
	path, ok := sitePath(site)
	if !ok {
		return "", StatDeny
	}
	return path, StatOK
}

// add appends a queue ID to the destination's log (flush_add_service).
func (s *Service) add(site, id string) int {
	path, st := s.eligible(site)
	if st != StatOK {
		return st
	}
	if !queue.ValidID(path) {
		return StatBad
	}
	name := s.Layout.Path(flushQueue, path)
	os.MkdirAll(filepath.Dir(name), 0o700) // a hashed flush queue
	fd, err := unix.Open(name, openAppendFlags, logMode)
	if err != nil {
		s.fatal("%s: open fast flush logfile %s: %s", flushAddName, path, config.Strerror(err))
		return StatFail
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		s.fatal("%s: lock fast flush logfile %s: %s", flushAddName, path, config.Strerror(err))
		return StatFail
	}
	if _, err := unix.Write(fd, []byte(id+"\n")); err != nil {
		s.warn("write fast flush logfile %s: %s", path, config.Strerror(err))
	}
	return StatOK
}

// sendSite requests delivery of the destination's mail
// (flush_send_service).
func (s *Service) sendSite(site string) int {
	path, st := s.eligible(site)
	if st != StatOK {
		return st
	}
	return s.sendPath(path, unthrottleBefore)
}

// sendFile requests delivery of one message (flush_send_file_service).
func (s *Service) sendFile(id string) int {
	if !queue.ValidID(id) {
		return StatBad
	}
	if s.flushOneFile(id, unthrottleAfter) > 0 {
		s.trigger(qmgrScanIncoming)
	}
	return StatOK
}

// sendPath delivers the messages listed in one log and empties it
// (flush_send_path).
func (s *Service) sendPath(path string, how int) int {
	if !queue.ValidID(path) {
		return StatBad
	}
	name := s.Layout.Path(flushQueue, path)
	f, err := openLog(name)
	if errors.Is(err, unix.ENOENT) {
		return StatOK
	}
	if err != nil {
		s.fatal("%s: open fast flush logfile %s: %s", flushSendPathName, path, config.Strerror(err))
		return StatFail
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		s.fatal("%s: lock fast flush logfile %s: %s", flushSendPathName, path, config.Strerror(err))
		return StatFail
	}
	if how&unthrottleBefore != 0 {
		s.trigger(qmgrFlushDead)
	}
	count := s.flushListed(f, path, how)
	if count > 0 {
		if err := f.Truncate(0); err != nil {
			s.fatal("%s: truncate fast flush logfile %s: %s", flushSendPathName, path, config.Strerror(err))
			return StatFail
		}
	}
	now := s.now()
	os.Chtimes(name, now, now) // workaround for noatime mounts, as flush.c
	if count > 0 {
		s.trigger(qmgrScanIncoming)
	}
	return StatOK
}

func openLog(name string) (*os.File, error) {
	fd, err := unix.Open(name, openReadFlags, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// flushListed schedules each message listed in the log once. The count
// is non-zero when the log had any line (flush.c counts lines too).
func (s *Service) flushListed(f *os.File, path string, how int) int {
	seen := map[string]bool{}
	count := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<16)
	for ; sc.Scan(); count++ {
		id := sc.Text()
		if !queue.ValidID(id) {
			s.warn("bad queue id \"%.30s...\" in fast flush logfile %s", id, path)
			continue
		}
		if len(seen) < dupFilterSize && seen[id] {
			continue
		}
		if len(seen) <= dupFilterSize {
			seen[id] = true
		}
		count += s.flushOneFile(id, how)
	}
	return count
}

// flushOneFile makes one message due now and moves it to the incoming
// queue (flush_one_file): 1 when the message was found.
func (s *Service) flushOneFile(id string, how int) int {
	now := s.now()
	q := deferredQueue
	for {
		err := os.Chtimes(s.Layout.Path(q, id), now, now)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			s.warn("flush_one_file: update %s time stamps: %s", s.Layout.RelPath(q, id), config.Strerror(err))
		}
		if q == incomingQueue {
			return 0
		}
		q = incomingQueue
	}
	if how&unthrottleAfter != 0 && !s.markUnthrottle(q, id) {
		return 0
	}
	if q != incomingQueue {
		if err := s.Layout.Move(id, q, incomingQueue); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.warn("%s: rename from %s to %s: %s", s.Layout.RelPath(q, id), q, incomingQueue, config.Strerror(err))
		}
	}
	return 1
}

// markUnthrottle sets the group-read bit of a complete queue file, so
// that qmgr unthrottles its destinations (MAIL_QUEUE_STAT_UNTHROTTLE).
// The file is opened without following links and changed with fchmod.
func (s *Service) markUnthrottle(q, id string) bool {
	path := s.Layout.Path(q, id)
	fd, err := unix.Open(path, openReadFlags, 0)
	if err != nil {
		if !errors.Is(err, unix.ENOENT) {
			s.warn("flush_one_file: open %s: %s", s.Layout.RelPath(q, id), config.Strerror(err))
		}
		return false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	mode := os.FileMode(st.Mode & 0o7777)
	if !queue.IsComplete(mode) {
		return false
	}
	if err := unix.Fchmod(fd, uint32(mode|queue.ModeFlushAfter)); err != nil {
		s.warn("flush_one_file: fchmod %s: %s", s.Layout.RelPath(q, id), config.Strerror(err))
	}
	return true
}
