// Package pickup is Postfix's pickup(8): the local mail pickup service.
// It takes the messages that sendmail and postdrop leave in
// $queue_directory/maildrop and hands them to cleanup (pkg/cleanup, in
// the same process), which writes them into the incoming queue and
// wakes the queue manager.
//
// The daemon (cmd/pickup) is a trigger server: postdrop wakes it after
// each submission through public/pickup, and the master wakes it every
// $wakeup seconds (60 in the stock master.cf), so that mail left while
// the mail system was down is picked up when it starts. On each wake-up
// it scans maildrop until a pass removes nothing.
//
// For each complete maildrop file (a queue ID name, the owner execute
// bit set; see pkg/queue), pickup:
//
//   - opens it without following symbolic links and parses it strictly
//     (queue.Parse); a file that does not parse is moved to the corrupt
//     queue with a warning, never delivered and never a crash;
//   - passes sender, pending recipients, the attributes a submission may
//     carry (encoding, DSN RET and ENVID, rewrite context, full name,
//     trace flags) and the content to cleanup, with the owner of the file
//     as the submitting uid (as Postfix, the file owner is trusted, not
//     the file's own uid record), and logs "QID: uid=1000 from=<alice>"
//     (plus " orig_id=ID" for mail re-queued by postsuper -r: a file of
//     $mail_owner that others may not read);
//   - removes the maildrop file only after cleanup's Commit returned,
//     i.e. after the new queue file is durable. A temporary cleanup
//     failure keeps the file for the next scan. A message cleanup refuses
//     for good (too big, too many hops) is returned to the sender with a
//     non-delivery notice (pkg/bounce), as Postfix's cleanup does for
//     pickup; a message without recipients is discarded, as Postfix's
//     pickup does after postsuper -r.
//
// Log lines, as Postfix's pickup: "QID: uid=N from=<sender>", "QID:
// message dated N seconds into the future", "QID: message has been
// queued for N days", "open input file PATH: ERROR".
//
// Parameters read: queue_directory, mail_owner, content_filter (through
// cleanup), and cleanup's and bounce's parameters.
package pickup

import (
	"fmt"
	"os/user"
	"strconv"
	"time"

	"github.com/postern/postern/pkg/bounce"
	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
)

// Logger receives pickup's log records, each at its level: cleanup's
// (in the same process) keep theirs, e.g. the "error:" record of a table
// that could not be opened.
type Logger interface {
	Info(format string, args ...any)
	Warn(format string, args ...any)
	Error(format string, args ...any)
}

type maillogLogger struct{}

func (maillogLogger) Info(format string, args ...any)  { maillog.Info(format, args...) }
func (maillogLogger) Warn(format string, args ...any)  { maillog.Warn(format, args...) }
func (maillogLogger) Error(format string, args ...any) { maillog.Error(format, args...) }

// Options are a Service's dependencies; zero values mean the real thing.
type Options struct {
	Layout *queue.Layout // default: from the configuration
	Log    Logger        // default: pkg/maillog
	Now    func() time.Time
	Wake   func() // after each message queued; default: cleanup wakes qmgr
}

// Service is the pickup service of one process.
type Service struct {
	layout  *queue.Layout
	clean   *cleanup.Cleanup
	bounce  *bounce.Service
	log     Logger
	now     func() time.Time
	owner   int       // $mail_owner's uid (re-queued mail), -1 unknown
	res     int       // delay_logging_resolution_limit
	arrival time.Time // of the message being picked up
}

// New reads the configuration and opens cleanup's tables.
func New(cfg *config.Config, opts Options) (*Service, error) {
	s := &Service{layout: opts.Layout, log: opts.Log, now: opts.Now, owner: -1}
	if s.log == nil {
		s.log = maillogLogger{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.layout == nil {
		if s.layout, err = queue.NewLayout(cfg); err != nil {
			return nil, err
		}
	}
	s.clean, err = cleanup.New(cfg, cleanup.Options{Layout: s.layout, Wake: opts.Wake, Logf: s.logf})
	if err != nil {
		return nil, err
	}
	set, err := bounce.SettingsFromConfig(cfg, func(m string) { s.log.Warn("%s", m) })
	if err != nil {
		s.clean.Close()
		return nil, err
	}
	s.bounce = bounce.New(set, &bounce.CleanupPoster{C: s.clean}, s.log, nil)
	if s.res, err = cfg.Int("delay_logging_resolution_limit"); err != nil {
		s.clean.Close()
		return nil, err
	}
	if u, err := user.Lookup(cfg.Get("mail_owner")); err == nil {
		s.owner, _ = strconv.Atoi(u.Uid)
	}
	return s, nil
}

// Close releases cleanup's tables.
func (s *Service) Close() error { return s.clean.Close() }

// logf logs a record of cleanup at its level ("info", "warning" or
// "error"; cleanup.Options.Logf).
func (s *Service) logf(level, format string, args ...any) {
	switch level {
	case "warning":
		s.log.Warn(format, args...)
	case "error":
		s.log.Error(format, args...)
	default:
		s.log.Info(format, args...)
	}
}

// Scan picks up every complete file in maildrop, and scans again as long
// as a pass removed something (pickup_service()).
func (s *Service) Scan() error {
	for {
		removed := 0
		err := s.layout.Scan(queue.Maildrop, func(e queue.Entry) error {
			if s.pickupFile(e) {
				removed++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("scan %s: %w", s.layout.QueueDir(queue.Maildrop), err)
		}
		if removed == 0 {
			return nil
		}
	}
}
