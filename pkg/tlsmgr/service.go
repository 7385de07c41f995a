package tlsmgr

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// Params lists the parameters NewService reads.
var Params = []string{"smtpd_tls_session_cache_database", "smtp_tls_session_cache_database",
	"lmtp_tls_session_cache_database", "smtpd_tls_session_cache_timeout",
	"smtp_tls_session_cache_timeout", "lmtp_tls_session_cache_timeout", "ipc_timeout"}

// Service is the server side of tlsmgr(8).
type Service struct {
	caches  []*sessionCache // smtpd, smtp, lmtp
	keys    ticketKeys
	Timeout time.Duration // each reply write ($ipc_timeout)
	Now     func() time.Time
	Warn    func(format string, args ...any)
}

// NewService reads the cache settings (tlsmgr_pre_init).
func NewService(cfg *config.Config, warn func(string, ...any)) (*Service, error) {
	s := &Service{Now: time.Now, Warn: warn}
	var err error
	if s.Timeout, err = cfg.Duration("ipc_timeout"); err != nil {
		return nil, err
	}
	used := map[string]string{}
	for _, label := range []string{"smtpd", "smtp", "lmtp"} {
		c := &sessionCache{label: label}
		if c.timeout, err = cfg.Duration(label + "_tls_session_cache_timeout"); err != nil {
			return nil, err
		}
		if c.timeout > 0 && c.timeout < sessionLifeMin*time.Second {
			c.timeout = sessionLifeMin * time.Second
		}
		if db := cfg.Get(label + "_tls_session_cache_database"); db != "" && c.timeout > 0 {
			if other, dup := used[db]; dup {
				return nil, fmt.Errorf("do not use the same TLS cache file %s for %s and %s", db, other, label)
			}
			used[db] = label
			c.entries = map[string]sessionEntry{}
		}
		s.caches = append(s.caches, c)
	}
	return s, nil
}

// Serve talks the protocol on c until the client closes it or sends a
// master trigger.
func (s *Service) Serve(c net.Conn) {
	w := attr.NewWriter(c, attr.Null)
	if s.send(c, w, attr.List{{Name: attr.ProtoName, Value: Protocol}}) != nil {
		return
	}
	br := bufio.NewReader(c)
	r := attr.NewReader(br, attr.Null)
	r.Limits = attr.Limits{MaxString: 1 << 16, MaxAttrs: 16}
	for {
		if _, err := br.Peek(1); err != nil {
			return
		}
		if br.Buffered() <= 2 {
			// A master trigger (tlsmgr_request_receive): nothing to do
			// but to let the client go.
			return
		}
		req, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.warn("tlsmgr socket: %v", err)
			}
			return
		}
		if s.send(c, w, s.dispatch(req)) != nil {
			return
		}
	}
}

func (s *Service) send(c net.Conn, w *attr.Writer, l attr.List) error {
	c.SetWriteDeadline(time.Now().Add(s.Timeout))
	return w.Write(l)
}

// dispatch answers one request (tlsmgr_service).
func (s *Service) dispatch(req attr.List) attr.List {
	if len(req) == 0 || req[0].Name != AttrRequest {
		return statusList(StatFail)
	}
	args := req[1:]
	switch req[0].Value {
	case ReqSeed:
		return s.seed(args)
	case ReqPolicy:
		return s.policy(args)
	case ReqLookup:
		return s.lookup(args)
	case ReqUpdate:
		return s.update(args)
	case ReqDelete:
		return s.remove(args)
	case ReqTktKey:
		return s.tktkey(args)
	}
	return statusList(StatFail)
}

func statusList(st int) attr.List { return attr.List{{Name: AttrStatus, Value: formatInt(st)}} }

func (s *Service) seed(args attr.List) attr.List {
	st, buf := StatFail, []byte{}
	if v, ok := args.Strict(AttrSize); ok {
		n, _ := parseInt(v[0])
		if n <= 0 || n > 255 {
			s.warn("bogus seed length \"%d\" in \"%s\" request", n, ReqSeed)
		} else {
			buf = make([]byte, n)
			if _, err := rand.Read(buf); err == nil {
				st = StatOK
			}
		}
	}
	l := statusList(st)
	l.Bytes(AttrSeed, buf)
	return l
}

// cache finds a cache type by label, warning about an unknown one.
func (s *Service) cache(label, req string) *sessionCache {
	for _, c := range s.caches {
		if c.label == label {
			return c
		}
	}
	s.warn("bogus cache type \"%s\" in \"%s\" request", label, req)
	return nil
}

func (s *Service) policy(args attr.List) attr.List {
	st, cachable, timeout := StatFail, 0, 0
	if v, ok := args.Strict(AttrCacheType); ok {
		if c := s.cache(v[0], ReqPolicy); c != nil {
			st, timeout = StatOK, int(c.timeout/time.Second)
			if c.enabled() {
				cachable = 1
			}
		}
	}
	return attr.List{{Name: AttrStatus, Value: formatInt(st)}, {Name: AttrCachable, Value: formatInt(cachable)},
		{Name: AttrTimeout, Value: formatInt(timeout)}}
}

func (s *Service) lookup(args attr.List) attr.List {
	st, data := StatFail, []byte{}
	if v, ok := args.Strict(AttrCacheType, AttrCacheID); ok {
		if c := s.cache(v[0], ReqLookup); c != nil && c.enabled() {
			st = StatErr
			if d, found := c.lookup(v[1], s.now()); found {
				st, data = StatOK, d
			}
		}
	}
	l := statusList(st)
	l.Bytes(AttrSession, data)
	return l
}

func (s *Service) update(args attr.List) attr.List {
	v, ok := args.Strict(AttrCacheType, AttrCacheID, AttrSession)
	if !ok {
		return statusList(StatFail)
	}
	data, err := attr.DecodeData(v[2], attr.Null)
	if err != nil {
		return statusList(StatFail)
	}
	c := s.cache(v[0], ReqUpdate)
	if c == nil || !c.enabled() {
		return statusList(StatFail)
	}
	c.update(v[1], data, s.now())
	return statusList(StatOK)
}

func (s *Service) remove(args attr.List) attr.List {
	v, ok := args.Strict(AttrCacheType, AttrCacheID)
	if !ok {
		return statusList(StatFail)
	}
	c := s.cache(v[0], ReqDelete)
	if c == nil || !c.enabled() {
		return statusList(StatFail)
	}
	if !c.remove(v[1]) {
		return statusList(StatErr)
	}
	return statusList(StatOK)
}

func (s *Service) tktkey(args attr.List) attr.List {
	st, buf := StatFail, []byte{}
	if v, ok := args.Strict(AttrKeyName); ok {
		name, err := attr.DecodeData(v[0], attr.Null)
		switch {
		case err != nil:
		case len(name) != 0 && len(name) != TicketNameLen:
			s.warn("invalid session ticket key name length: %d", len(name))
		case s.caches[0].timeout <= 0:
			st = StatErr
		default:
			if len(name) == 0 {
				name = nil
			}
			st = StatErr
			if k, ok := s.keys.get(name, s.now(), s.caches[0].timeout); ok {
				st, buf = StatOK, k.marshal()
			}
		}
	}
	l := statusList(st)
	l.Bytes(AttrKeyBuf, buf)
	return l
}

// Loop expires old sessions every minute (tlsmgr_cache_run_event) and
// returns the time until the next run.
func (s *Service) Loop() time.Duration {
	now := s.now()
	for _, c := range s.caches {
		if c.enabled() {
			c.expire(now)
		}
	}
	return time.Minute
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
