package smtpd

import "golang.org/x/sys/unix"

// checkSize is smtpd_check_size(): the SIZE= of MAIL FROM against
// message_size_limit.
func (s *session) checkSize(size int64) string {
	s.chk.resetStage()
	if s.p.messageLimit > 0 && size > s.p.messageLimit {
		s.checkReject(errPolicy, 552, "5.3.4", "Message size exceeds fixed limit")
		return s.chk.errorText
	}
	return ""
}

// spaceFactor is smtpd_space_multf: free space must exceed 1.5 times
// message_size_limit.
const spaceFactor = 1.5

// checkQueue is smtpd_check_queue(): the queue file system must have
// queue_minfree bytes and 1.5 * message_size_limit free.
func (s *session) checkQueue() string {
	s.chk.resetStage()
	// Daemons run in $queue_directory (also inside the chroot jail).
	free, err := s.srv.deps.FreeSpace(".")
	if err != nil {
		s.srv.log.Warn("fsspace: statfs .: %v", err)
		return ""
	}
	if s.p.queueMinfree >= free || float64(s.p.messageLimit) >= float64(free)/spaceFactor {
		s.checkReject(errResource, 452, "4.3.1", "Insufficient system storage")
		s.srv.log.Warn("not enough free space in mail queue: %d bytes < %g*message size limit", free, spaceFactor)
		return s.chk.errorText
	}
	return ""
}

// freeSpace returns the bytes available to unprivileged users on the
// file system of dir (fsspace()).
func freeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
