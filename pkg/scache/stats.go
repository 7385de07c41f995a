package scache

import (
	"time"
)

func (s *Service) count(f func(*stats)) {
	s.mu.Lock()
	f(&s.st)
	s.mu.Unlock()
}

// noteSize keeps the largest cache sizes of the interval.
func (s *Service) noteSize() {
	d, e, n := s.Cache.Size()
	s.count(func(st *stats) {
		st.destCount = max(st.destCount, d)
		st.endpCount = max(st.endpCount, e)
		st.sessions = max(st.sessions, n)
	})
}

// Dump logs and resets the statistics of the interval
// (scache_status_dump).
func (s *Service) Dump() {
	s.mu.Lock()
	st := s.st
	s.st = stats{start: s.now()}
	s.mu.Unlock()
	if st.destHits+st.destMiss+st.endpHits+st.endpMiss+st.destCount+st.endpCount+st.sessions != 0 {
		s.info("statistics: start interval %s", st.start.Format("Jan _2 15:04:05"))
	}
	if st.destHits+st.destMiss > 0 {
		s.info("statistics: domain lookup hits=%d miss=%d success=%d%%",
			st.destHits, st.destMiss, st.destHits*100/(st.destHits+st.destMiss))
	}
	if st.endpHits+st.endpMiss > 0 {
		s.info("statistics: address lookup hits=%d miss=%d success=%d%%",
			st.endpHits, st.endpMiss, st.endpHits*100/(st.endpHits+st.endpMiss))
	}
	if st.destCount+st.endpCount+st.sessions > 0 {
		s.info("statistics: max simultaneous domains=%d addresses=%d connection=%d",
			st.destCount, st.endpCount, st.sessions)
	}
}

// Loop dumps the statistics every $connection_cache_status_update_time
// and returns the time until the next dump (the skeleton's Loop hook).
func (s *Service) Loop() time.Duration {
	now := s.now()
	if s.nextDump.IsZero() {
		s.nextDump = now.Add(s.StatTime)
	}
	if !now.Before(s.nextDump) {
		s.Dump()
		s.nextDump = now.Add(s.StatTime)
	}
	return s.nextDump.Sub(now)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) info(format string, args ...any) {
	if s.Info != nil {
		s.Info(format, args...)
	}
}

func (s *Service) warn(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(format, args...)
	}
}
