package smtpclient

import (
	"strconv"
	"sync"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// Connection caching (Postfix's scache(8) with smtp_reuse.c, kept in the
// process): after a transaction a session may stay open for the next
// delivery request to the same server, which then skips the connect,
// the greeting and EHLO, and the previous one's QUIT.
//
// When: with smtp_connection_cache_on_demand = yes (the default) a
// request that qmgr marks DEL_REQ_FLAG_CONN_STORE (its destination has
// back-to-back or concurrent deliveries; qmgr sets the flags as
// qmgr_entry_select does) leaves its session in the cache instead of
// sending QUIT, and a request marked DEL_REQ_FLAG_CONN_LOAD looks there
// before it connects. A cached session is kept for
// smtp_connection_cache_time_limit, then closed without QUIT, as scache
// closes it; it is used for new transactions for at most
// smtp_connection_reuse_time_limit after it was opened and at most
// smtp_connection_reuse_count_limit times (0: no limit). Before reuse it
// gets an RSET probe; a session that fails the probe is dropped and the
// delivery connects anew. A reused session's deliveries are logged with
// conn_use=N.
//
// Sessions are looked up by server address and port (smtp_reuse_addr),
// and only where a new connection to that address would be neither
// encrypted nor authenticated, as Postfix's address-based reuse: the
// effective TLS security level is none and SASL is off.
//
// XXX: Postfix also caches SASL-authenticated sessions under the
// request's next hop, and TLS sessions with smtp_tls_connection_reuse
// (through tlsproxy); Postern does not cache those.
// smtp_connection_cache_destinations is refused at startup
// (config.go). The cache is per process: a process serves many requests
// at once (pkg/server Options.Sessions), which shares it among them.

// CacheConfig are the connection cache parameters.
type CacheConfig struct {
	OnDemand   bool          // smtp_connection_cache_on_demand
	TimeLimit  time.Duration // smtp_connection_cache_time_limit
	ReuseTime  time.Duration // smtp_connection_reuse_time_limit
	ReuseCount int           // smtp_connection_reuse_count_limit (0: none)
}

func (r *reader) cache(c *Config, pfx string) {
	c.Cache = CacheConfig{
		OnDemand:   r.boolean(pfx + "connection_cache_on_demand"),
		TimeLimit:  r.duration(pfx + "connection_cache_time_limit"),
		ReuseTime:  r.duration(pfx + "connection_reuse_time_limit"),
		ReuseCount: r.integer(pfx + "connection_reuse_count_limit"),
	}
}

// cacheParams are the cache parameters, without prefix.
var cacheParams = []string{"connection_cache_on_demand", "connection_cache_time_limit",
	"connection_reuse_time_limit", "connection_reuse_count_limit"}

// connCache holds idle sessions by endpoint, most recently stored first.
type connCache struct {
	mu   sync.Mutex
	idle map[string][]*cachedSession
}

type cachedSession struct {
	s     *session
	timer *time.Timer // closes the session when the cache time limit ends
}

func newConnCache() *connCache { return &connCache{idle: map[string][]*cachedSession{}} }

// take removes and returns an idle session for key, nil if none.
func (c *connCache) take(key string) *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.idle[key]
	for len(list) > 0 {
		cs := list[len(list)-1]
		list = list[:len(list)-1]
		if cs.timer.Stop() {
			c.store(key, list)
			return cs.s
		}
		// The timer fired and closes this one.
	}
	c.store(key, list)
	return nil
}

// put keeps s idle for limit; then it is closed.
func (c *connCache) put(key string, s *session, limit time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs := &cachedSession{s: s}
	cs.timer = time.AfterFunc(limit, func() { c.expire(key, cs) })
	c.idle[key] = append(c.idle[key], cs)
}

// expire closes a session whose cache time ran out (scache closes it
// without QUIT).
func (c *connCache) expire(key string, cs *cachedSession) {
	c.mu.Lock()
	list := c.idle[key]
	for i, x := range list {
		if x == cs {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	c.store(key, list)
	c.mu.Unlock()
	cs.s.close()
}

func (c *connCache) store(key string, list []*cachedSession) {
	if len(list) == 0 {
		delete(c.idle, key)
		return
	}
	c.idle[key] = list
}

// cacheKey is the endpoint a session is cached under: address and port,
// or the socket path.
func cacheKey(addr string, port int) string {
	if port == 0 {
		return addr
	}
	return addr + "\x00" + strconv.Itoa(port)
}

// cachePolicy sets the attempt's load and store flags from the request
// (smtp_cache_policy), for a destination where a new session would be
// neither encrypted nor authenticated.
func (a *attempt) cachePolicy() {
	a.load, a.store = false, false
	if a.cache == nil || !a.cfg.Cache.OnDemand || a.cfg.SASL != nil || a.tlsLevel != tlsNone {
		return
	}
	a.load = a.d.Req.Flags&deliver.FlagConnLoad != 0
	a.store = a.d.Req.Flags&deliver.FlagConnStore != 0
}

// reuse returns a cached session to the endpoint that passes the RSET
// probe, bound to this attempt, or nil (smtp_reuse_addr). With a server
// that pipelines, the probe is not a round trip of its own: RSET goes
// out in front of the transaction's MAIL, RCPT and DATA (xferPipelined),
// and when its reply is not 2xx the session is dropped before anything
// else was read or sent, and the caller tries again (attempt.probeFailed).
func (a *attempt) reuse(addr string, port int) *session {
	if !a.load {
		return nil
	}
	for {
		s := a.cache.take(cacheKey(addr, port))
		if s == nil {
			return nil
		}
		s.a = a
		if s.feat.pipelining {
			s.probeNext = true
			s.reuse++
			return s
		}
		if s.probe() {
			s.reuse++
			return s
		}
		s.close()
	}
}

// probe sends the RSET probe (smtp_rset): the session is good when the
// server answers 2xx. A lost connection is logged as Postfix's
// smtp_stream_except does for a server that is not the last to try.
func (s *session) probe() bool {
	r, f := s.chat(s.a.cfg.Timeouts.Rset, whereProbe, "RSET")
	return s.probeResult(r, f)
}

// probeResult judges the reply to an RSET probe.
func (s *session) probeResult(r *Reply, f *failure) bool {
	if f != nil {
		s.a.cfg.info("%s: %s", s.a.d.Req.QueueID, f.dsn.Reason)
		return false
	}
	return r.Class() == 2
}

// keep puts a session whose transaction ended cleanly in the cache
// instead of ending it, when the request asks for it and the session
// may be reused; it reports whether it did.
func (a *attempt) keep(s *session) bool {
	c := a.cfg.Cache
	if !a.store || s.tlsState != nil || time.Since(s.opened) >= c.ReuseTime ||
		c.ReuseCount > 0 && s.reuse >= c.ReuseCount {
		return false
	}
	s.a = nil
	a.cache.put(cacheKey(s.addr, s.port), s, c.TimeLimit)
	return true
}

// len returns the number of idle sessions (tests).
func (c *connCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.idle {
		n += len(l)
	}
	return n
}
