package anvil

import (
	"net"
	"runtime/debug"
	"time"

	"github.com/postern/postern/pkg/config"
)

// Params are the main.cf parameters the anvil daemon reads.
var Params = []string{"anvil_rate_time_unit", "anvil_status_update_time", "ipc_timeout"}

// Logger receives the daemon's log records.
type Logger interface {
	Info(format string, args ...any)
	Warn(format string, args ...any)
}

// Service is the anvil daemon: the table, the protocol on each client
// connection, and the timers (expiry, periodic statistics) that the
// daemon skeleton runs through Loop.
type Service struct {
	T           *Table
	StatusEvery time.Duration // anvil_status_update_time
	Server      ServerOptions
	log         Logger
	now         func() time.Time
	next        time.Time // next statistics report
	shrinks     int       // T.Shrinks() when memory was last given back
}

// maxWait bounds the wait between two Loop calls, so that a daemon
// whose clients stay connected still passes through its main loop (and
// kicks the $daemon_timeout watchdog) while no new client arrives.
const maxWait = time.Minute

// NewService reads the parameters and returns the service; the first
// statistics report is due one status interval from now.
func NewService(cfg *config.Config, log Logger, now func() time.Time) (*Service, error) {
	unit, err := cfg.Duration("anvil_rate_time_unit")
	if err != nil {
		return nil, err
	}
	every, err := cfg.Duration("anvil_status_update_time")
	if err != nil {
		return nil, err
	}
	ipc, err := cfg.Duration("ipc_timeout")
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	s := &Service{T: NewTable(unit, now), StatusEvery: every, log: log, now: now}
	s.Server = ServerOptions{Name: cfg.Get("service_name") + " socket", Timeout: ipc, Warn: log.Warn}
	if s.Server.Name == " socket" {
		s.Server.Name = "anvil socket"
	}
	s.next = now().Add(every)
	return s, nil
}

// Serve serves one client connection.
func (s *Service) Serve(c net.Conn) { Serve(s.T, c, s.Server) }

// Loop runs the timers that are due and returns how long the daemon
// may wait before calling it again (MAIL_SERVER_LOOP).
func (s *Service) Loop() time.Duration {
	wait := s.T.Expire()
	if n := s.T.Shrinks(); n != s.shrinks {
		// The table shrank to a quarter of its peak: give the memory
		// back to the system now rather than when the runtime gets to it.
		s.shrinks = n
		debug.FreeOSMemory()
	}
	now := s.now()
	if !now.Before(s.next) {
		s.Dump()
		s.next = now.Add(s.StatusEvery)
	}
	untilStatus := s.next.Sub(now)
	if wait <= 0 || untilStatus < wait {
		wait = untilStatus
	}
	return min(wait, maxWait)
}

// Dump logs the peak values and resets them (anvil_status_dump): every
// anvil_status_update_time and when the daemon exits.
func (s *Service) Dump() {
	for _, l := range s.T.Report() {
		s.log.Info("%s", l)
	}
}
