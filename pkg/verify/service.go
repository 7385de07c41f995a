package verify

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// probeTTL is how long a probe is considered outstanding (PROBE_TTL).
const probeTTL = 1000

// Service is the server side of verify(8).
type Service struct {
	Cache *Cache
	// Cache lifetimes (address_verify_*_expire_time, *_refresh_time).
	PosExpire, PosRefresh, NegExpire, NegRefresh time.Duration
	NegCache                                     bool          // address_verify_negative_cache
	CleanupInterval                              time.Duration // address_verify_cache_cleanup_interval; 0: never
	Timeout                                      time.Duration // each reply write ($ipc_timeout)
	// Probe posts a probe message to an address.
	Probe func(addr string) error
	Now   func() time.Time
	Info  func(format string, args ...any)
	Warn  func(format string, args ...any)

	nextCleanup time.Time
}

// Serve talks the protocol on c until the client closes it.
func (s *Service) Serve(c net.Conn) {
	conn := attr.NewConn(c, attr.Null, 0)
	conn.SetLimits(attr.Limits{MaxString: 1 << 16, MaxAttrs: 16})
	if s.send(conn, attr.List{{Name: attr.ProtoName, Value: Protocol}}) != nil {
		return
	}
	for {
		req, err := conn.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.warn("verify socket: %v", err)
			}
			return
		}
		reply, after, ok := s.dispatch(req)
		if !ok || s.send(conn, reply) != nil {
			return
		}
		if after != nil {
			after()
		}
	}
}

func (s *Service) send(conn *attr.Conn, l attr.List) error {
	if s.Timeout > 0 {
		conn.NetConn().SetWriteDeadline(time.Now().Add(s.Timeout))
	}
	return conn.Send(l)
}

// dispatch runs one request. ok false ends the connection (a request
// that does not parse: Postfix answers nothing either).
func (s *Service) dispatch(req attr.List) (attr.List, func(), bool) {
	if len(req) == 0 || req[0].Name != AttrRequest {
		return nil, nil, false
	}
	switch name := req[0].Value; name {
	case ReqQuery:
		v, ok := req[1:].Strict(AttrAddress)
		if !ok {
			return nil, nil, false
		}
		reply, after := s.query(v[0])
		return reply, after, true
	case ReqUpdate:
		v, ok := req[1:].Strict(AttrAddress, AttrRcptStatus, AttrReason)
		if !ok {
			return nil, nil, false
		}
		st, err := parseInt(v[1])
		if err != nil {
			return nil, nil, false
		}
		return s.update(v[0], st, v[2]), nil, true
	default:
		s.warn("unrecognized request: \"%s\", ignored", name)
		return attr.List{{Name: AttrStatus, Value: formatInt(StatBad)}}, nil, true
	}
}

// key is the cache key of an address (":" neutered for IPv6 literals).
func key(addr string) string { return strings.ReplaceAll(addr, ":", "_") }

// update is verify_update_service.
func (s *Service) update(addr string, status int, text string) attr.List {
	k := key(addr)
	if StatusName(status) == "" {
		s.warn("bad recipient status %d for recipient %s", status, k)
		return attr.List{{Name: AttrStatus, Value: formatInt(StatBad)}}
	}
	// A failed probe does not replace a deliverable entry before it
	// expires; the address is probed again at the next query.
	raw, found := s.Cache.Get(k)
	if status == RcptOK || !found || rawStatus(raw) != RcptOK {
		e := entry{status: status, updated: s.now().Unix(), text: printable(text)}
		s.Cache.Put(k, e.String())
	}
	return attr.List{{Name: AttrStatus, Value: formatInt(StatOK)}}
}

// query is verify_query_service: the answer, and the probe to send after
// it when the entry needs a refresh.
func (s *Service) query(addr string) (attr.List, func()) {
	k := key(addr)
	now := s.now().Unix()
	raw, found := s.Cache.Get(k)
	e, valid := entry{}, false
	if found {
		if e, valid = parseEntry(raw); !valid {
			s.warn("bad address verify table entry: %.100s", raw)
		}
	}
	if !valid || (now-e.probed > probeTTL && s.expired(e, now)) {
		e = entry{status: RcptTodo, text: InProgress}
		if found && !s.NegCache {
			s.Cache.Delete(k)
		}
	}
	reply := attr.List{{Name: AttrStatus, Value: formatInt(StatOK)},
		{Name: AttrRcptStatus, Value: formatInt(e.status)}, {Name: AttrReason, Value: e.text}}
	if now-e.probed <= probeTTL || !s.refreshNeeded(e, now) {
		return reply, nil
	}
	return reply, func() {
		if err := s.probe(addr); err != nil {
			s.warn("%v", err)
		}
		if e.updated != 0 || s.NegCache {
			e.probed = now
			s.Cache.Put(k, e.String())
		}
	}
}

func (s *Service) expired(e entry, now int64) bool {
	if e.status == RcptOK {
		return e.updated+secs(s.PosExpire) < now
	}
	return e.updated+secs(s.NegExpire) < now
}

func (s *Service) refreshNeeded(e entry, now int64) bool {
	if e.status == RcptOK {
		return e.updated+secs(s.PosRefresh) < now
	}
	return e.updated+secs(s.NegRefresh) < now
}

func (s *Service) probe(addr string) error {
	if s.Probe == nil {
		return fmt.Errorf("no probe poster configured")
	}
	return s.Probe(addr)
}

// keep is verify_cache_validator: a well-formed entry that has a probe
// outstanding or has not expired.
func (s *Service) keep(now int64) func(string, string) bool {
	return func(_, raw string) bool {
		e, ok := parseEntry(raw)
		return ok && (now-e.probed < probeTTL || !s.expired(e, now))
	}
}

// Loop runs the cache cleanup when it is due and returns the time until
// the next one (the skeleton's Loop hook); 0 when cleanup is off.
func (s *Service) Loop() time.Duration {
	if s.CleanupInterval <= 0 {
		return 0
	}
	now := s.now()
	if s.nextCleanup.IsZero() {
		s.nextCleanup = time.Unix(s.Cache.LastCleanup(), 0).Add(s.CleanupInterval)
	}
	if !now.Before(s.nextCleanup) {
		retained, dropped := s.Cache.Clean(now.Unix(), s.keep(now.Unix()))
		s.info("cache %s full cleanup: retained=%d dropped=%d entries", s.Cache.Name, retained, dropped)
		s.nextCleanup = now.Add(s.CleanupInterval)
	}
	return s.nextCleanup.Sub(now)
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

// printable replaces non-printable bytes with "?" (printable(text, '?')).
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) warn(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(format, args...)
	}
}

func (s *Service) info(format string, args ...any) {
	if s.Info != nil {
		s.Info(format, args...)
	}
}
