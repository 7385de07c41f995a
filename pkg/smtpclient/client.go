package smtpclient

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// Client is the smtp(8)/lmtp(8) delivery agent logic; it implements
// deliver.Agent.
type Client struct {
	cfg   *Config
	level tlsLevel
	cache *connCache // idle sessions (cache.go)
}

// New checks cfg and loads its TLS files.
func New(cfg *Config) (*Client, error) {
	level, err := parseTLSLevel(cfg.TLS.Level)
	if err != nil {
		return nil, err
	}
	if err := cfg.TLS.load(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, level: level, cache: newConnCache()}, nil
}

// attempt is the state of one delivery request (SMTP_STATE).
type attempt struct {
	cfg           *Config
	d             *deliver.Delivery
	nexthop       string
	nexthopDomain string
	dest          string // the destination being tried, as written (tls.go, sasl.go)
	port          int
	tlsLevel      tlsLevel
	why           *deliver.DSN // the latest failure, for left-over recipients
	final         bool         // this is the last server to try (FINAL_SERVER)
	kept          map[int]bool // soft failures kept for the next server
	cache         *connCache
	load, store   bool // look for a cached session; cache the session (cache.go)
	probeFailed   bool // the pipelined RSET probe of a reused session failed: nothing was sent
}

// Deliver delivers one request: to each destination of the nexthop, each
// of its addresses, until every recipient has an outcome (smtp_connect).
func (c *Client) Deliver(ctx context.Context, d *deliver.Delivery) error {
	a := &attempt{cfg: c.cfg, d: d, nexthop: d.Req.Nexthop, tlsLevel: c.level, kept: map[int]bool{}, cache: c.cache}
	if c.cfg.LMTP && strings.HasPrefix(a.nexthop, "unix:") {
		a.deliverUnix(ctx, strings.TrimPrefix(a.nexthop, "unix:"))
	} else {
		a.deliverInet(ctx)
	}
	if len(d.Pending()) > 0 {
		a.final = true
		a.leftovers()
	}
	return nil
}

// deliverUnix delivers over a UNIX-domain socket (smtp_connect_local):
// every error is final.
func (a *attempt) deliverUnix(ctx context.Context, path string) {
	if len(a.cfg.FallbackRelay) > 0 {
		a.cfg.warn("ignoring \"lmtp_fallback_relay = %s\" setting for non-TCP connections",
			strings.Join(a.cfg.FallbackRelay, ", "))
	}
	if !a.tlsPolicy(path) {
		return
	}
	if a.tlsLevel == tlsMay {
		a.cfg.warn("smtp_connect_local: opportunistic TLS encryption is not appropriate for unix-domain destinations.")
		a.tlsLevel = tlsNone
	}
	a.nexthopDomain = a.cfg.MyHostname
	for {
		a.cachePolicy()
		s := a.reuse(path, 0)
		if s == nil {
			var dsn *deliver.DSN
			if s, dsn = a.connectUnix(ctx, path); dsn != nil {
				a.why = dsn
				return
			}
			a.final = true
			if f := s.helo(false); f != nil {
				s.close()
				a.bulkFail(s, f)
				return
			}
		}
		a.final = true
		a.session(ctx, s)
		if !a.probeFailed {
			return
		}
		a.probeFailed = false // a reused session was gone: take another
	}
}

// deliverInet tries each destination of the nexthop list, then the
// fallback relays (smtp_connect_inet).
func (a *attempt) deliverInet(ctx context.Context) {
	sites := SplitDestinations(a.nexthop)
	nonFallback := len(sites)
	sites = append(sites, a.cfg.FallbackRelay...)
	last := -1
	for i, site := range sites {
		if len(a.left()) == 0 {
			break
		}
		last = i
		finalNexthop := i == len(sites)-1
		if a.site(ctx, site, finalNexthop) {
			break
		}
	}
	a.configProblem(sites, nonFallback, last)
}

// site delivers to one destination; it returns true when no further
// destination may be tried.
func (a *attempt) site(ctx context.Context, site string, finalNexthop bool) bool {
	dest, err := ParseDestination(site, a.cfg.DefaultService, a.cfg.LMTP)
	if err != nil {
		a.cfg.warn("%v", err)
		dsn := deliver.Simple("4.3.5", "mail system configuration error")
		a.why = &dsn
		return true
	}
	a.port, a.nexthopDomain = dest.Port, dest.Host
	if !a.tlsPolicy(site) {
		return finalNexthop
	}
	l := a.resolveDest(ctx, dest)
	if len(l.targets) == 0 {
		a.why = l.why
		return finalNexthop || (l.why != nil && strings.HasSuffix(l.why.Status, ".4.6"))
	}
	a.servers(ctx, l.targets, finalNexthop)
	return finalNexthop
}

// servers tries the addresses of one destination in order, within the
// smtp_mx_address_limit and smtp_mx_session_limit.
func (a *attempt) servers(ctx context.Context, targets []Target, finalNexthop bool) {
	base := a.tlsLevel
	defer func() { a.tlsLevel = base }()
	addrCount, sessCount := 0, 0
	for j := 0; j < len(targets) && len(a.left()) > 0; j++ {
		addrCount++
		last := j == len(targets)-1 || addrCount == a.cfg.MXAddrLimit
		if a.cfg.TLS.Wrapper && a.tlsLevel < tlsEncrypt {
			a.cfg.warn("smtp_tls_wrappermode requires \"smtp_tls_security_level = encrypt\" (or stronger)")
			continue
		}
		a.cachePolicy()
		s := a.reuse(targets[j].Addr.String(), a.port)
		if s != nil {
			s.host, s.best = targets[j].Host, targets[j].Best
			s.namaddr = s.host + "[" + s.addr + "]"
			s.namaddrport = s.namaddr + ":" + strconv.Itoa(a.port)
		} else {
			var retryPlain bool
			if s, retryPlain = a.open(ctx, targets[j], finalNexthop && last); retryPlain {
				a.tlsLevel, addrCount, j = tlsNone, addrCount-1, j-1
				continue
			}
			if s == nil {
				continue
			}
		}
		sessCount++
		if sessCount == a.cfg.MXSessionLimit {
			last = true
		}
		a.final = finalNexthop && last
		a.session(ctx, s)
		a.tlsLevel = base
		if a.probeFailed {
			// A reused session was gone before anything was sent:
			// the same address again, with another session.
			a.probeFailed = false
			addrCount, sessCount, j = addrCount-1, sessCount-1, j-1
			continue
		}
		if last {
			break
		}
	}
}

// open connects to one target and runs the start of the session. It
// returns nil when that failed (the failure is recorded), and
// retryPlain when opportunistic TLS failed and the address is to be
// tried again in plaintext.
func (a *attempt) open(ctx context.Context, t Target, final bool) (s *session, retryPlain bool) {
	s, dsn := a.connectInet(ctx, t, a.port)
	if dsn != nil {
		a.cfg.info("%s", dsn.Reason)
		a.why = dsn
		return nil, false
	}
	a.final = final
	if f := s.helo(false); f != nil {
		s.close()
		if f.retryPlain {
			return nil, true
		}
		a.bulkFail(s, f)
		a.unkeep()
		return nil, false
	}
	return s, false
}

// session runs the transaction on a session past its greeting and
// closes it: QUIT after a clean end, a plain close after a failure.
func (a *attempt) session(ctx context.Context, s *session) {
	switch {
	case !a.xfer(ctx, s):
		s.close()
	case !a.keep(s):
		s.quit()
	}
	a.unkeep()
}

// left returns the recipients still to be tried in this session: those
// without an outcome and not kept for another server.
func (a *attempt) left() []int {
	var out []int
	for _, i := range a.d.Pending() {
		if !a.kept[i] {
			out = append(out, i)
		}
	}
	return out
}

// unkeep makes kept recipients eligible again for the next server
// (smtp_rcpt_cleanup).
func (a *attempt) unkeep() { a.kept = map[int]bool{} }

// connSetupDone stamps the end of connection set-up if not done yet.
func (a *attempt) connSetupDone() {
	if a.d.Stats.ConnSetup.IsZero() {
		a.d.Stats.ConnSetup = time.Now()
	}
}

// configProblem turns a permanent failure of the relayhost or a
// fallback relay into a temporary one (a configuration problem).
func (a *attempt) configProblem(sites []string, nonFallback, last int) {
	if len(a.left()) == 0 || a.why == nil || strings.HasPrefix(a.why.Status, "4") {
		return
	}
	switch {
	case last >= nonFallback:
		a.cfg.warn("%sfallback_relay configuration problem", a.prefix())
		a.why.Status = "4.3.5"
	case !a.cfg.LMTP && last >= 0 && sites[0] == a.cfg.Relayhost:
		a.cfg.warn("relayhost configuration problem")
		a.why.Status = "4.3.5"
	}
}

func (a *attempt) prefix() string {
	if a.cfg.LMTP {
		return "lmtp_"
	}
	return "smtp_"
}

// leftovers defers or bounces recipients that no server took, with the
// latest failure (smtp_connect's final smtp_sess_fail).
func (a *attempt) leftovers() {
	why := a.why
	if why == nil {
		dsn := deliver.Simple("4.3.0", "server unavailable or unable to receive mail")
		why = &dsn
	}
	a.connSetupDone()
	a.record(a.d.Pending(), "none", *why)
	if why.Status[0] == '4' {
		a.d.SetHopStatus(*why)
	}
}
