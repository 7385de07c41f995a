package flush

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// refresh flushes every non-empty log that was not read for maxAge and
// removes empty logs unchanged for $fast_flush_purge_time
// (flush_refresh_service). maxAge 0 is a purge: every non-empty log.
func (s *Service) refresh(maxAge time.Duration) {
	now := s.now()
	for _, name := range s.logNames() {
		var st unix.Stat_t
		path := s.Layout.Path(flushQueue, name)
		if err := unix.Stat(path, &st); err != nil {
			if !errors.Is(err, unix.ENOENT) {
				s.warn("flush_refresh_service: stat %s: %s", s.Layout.RelPath(flushQueue, name), config.Strerror(err))
			}
			continue
		}
		switch {
		case st.Size == 0:
			if st.Mtim.Sec+secs(s.PurgeTime) < now.Unix() {
				if err := os.Remove(path); err != nil {
					s.warn("remove logfile %s: %s", s.Layout.RelPath(flushQueue, name), config.Strerror(err))
				}
			}
		case st.Atim.Sec+secs(maxAge) < now.Unix():
			s.sendPath(name, refreshOnly)
		}
	}
}

// logNames lists the log files, descending into hash subdirectories
// when "flush" is in $hash_queue_names (mail_scan_dir_next).
func (s *Service) logNames() []string {
	var out []string
	root := s.Layout.QueueDir(flushQueue)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if queue.ValidID(d.Name()) {
			out = append(out, d.Name())
		}
		return nil
	})
	return out
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }
