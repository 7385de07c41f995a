package smtpd

import (
	"github.com/postern/postern/pkg/anvil"
	"github.com/postern/postern/pkg/config"
)

// Client connection count and request rate limits, enforced with the
// anvil service (smtpd.c with anvil_clnt). Each limit counts per client
// address and per master.cf service, per $anvil_rate_time_unit for the
// rates; 0 turns a limit off:
//
//	smtpd_client_connection_count_limit      at connect: 421, session ends
//	smtpd_client_connection_rate_limit       at connect: 421, session ends
//	smtpd_client_message_rate_limit          MAIL: 450
//	smtpd_client_recipient_rate_limit        RCPT and VRFY: 450
//	smtpd_client_auth_rate_limit             AUTH: 450
//	smtpd_client_new_tls_session_rate_limit  STARTTLS: 454; after a new
//	                                         handshake: 421, session ends
//
// Clients that match smtpd_client_event_limit_exceptions (default
// $mynetworks) are not counted at all. With every limit 0 smtpd does not
// talk to anvil. Otherwise every other session registers its connect
// and disconnect, so that anvil expires the client's rates at the right
// time, and each limited event asks anvil for the client's rate; smtpd
// refuses when the answer, this event included, is greater than the
// limit. When anvil cannot answer, the event is not limited: mail never
// waits for anvil (see pkg/anvil for the bounded waits).

// anvilParams are the parameters read here, added to Params.
var anvilParams = []string{
	"smtpd_client_connection_count_limit", "smtpd_client_connection_rate_limit",
	"smtpd_client_message_rate_limit", "smtpd_client_recipient_rate_limit",
	"smtpd_client_new_tls_session_rate_limit", "smtpd_client_auth_rate_limit",
	"smtpd_client_event_limit_exceptions", "ipc_timeout",
}

func init() { Params = append(Params, anvilParams...) }

// anvilLimits are the limits and the anvil clients of a Server.
type anvilLimits struct {
	pool                *anvil.Pool
	connCount, connRate int // postconf(5) smtpd_client_connection_{count,rate}_limit
	mail, rcpt          int // smtpd_client_{message,recipient}_rate_limit
	newTLS, auth        int // smtpd_client_{new_tls_session,auth}_rate_limit
	exceptions          *matchList
}

// anvilSession is a session's part: the anvil client it holds from its
// first request to its disconnect, nil when the session is not counted.
type anvilSession struct {
	req     anvil.Requester
	decided bool // exempt has been evaluated
	exempt  bool // the client is in smtpd_client_event_limit_exceptions
}

// newAnvilLimits reads the limits. It returns nil when every limit is 0,
// as Postfix then creates no anvil client.
func newAnvilLimits(cfg *config.Config, pool *anvil.Pool, open openTableFunc, log Logger) (*anvilLimits, error) {
	r := &paramReader{cfg: cfg}
	a := &anvilLimits{
		connCount: r.num("smtpd_client_connection_count_limit"),
		connRate:  r.num("smtpd_client_connection_rate_limit"),
		mail:      r.num("smtpd_client_message_rate_limit"),
		rcpt:      r.num("smtpd_client_recipient_rate_limit"),
		newTLS:    r.num("smtpd_client_new_tls_session_rate_limit"),
		auth:      r.num("smtpd_client_auth_rate_limit"),
	}
	if r.err != nil {
		return nil, r.err
	}
	if a.connCount == 0 && a.connRate == 0 && a.mail == 0 && a.rcpt == 0 && a.newTLS == 0 && a.auth == 0 {
		return nil, nil
	}
	const param = "smtpd_client_event_limit_exceptions"
	m, err := newMatchList(cfg, param, cfg.Get(param), open)
	if err != nil {
		return nil, err
	}
	m.param = param
	a.exceptions = m
	if pool == nil {
		ep, err := anvil.NewEndpoint(cfg, log.Warn)
		if err != nil {
			return nil, err
		}
		pool = anvil.NewPool(ep)
	}
	a.pool = pool
	return a, nil
}

// exempt reports whether the client is in
// smtpd_client_event_limit_exceptions. A table that fails counts as no
// match, as namadr_list_match with MATCH_FLAG_RETURN.
func (s *session) anvilExempt() bool {
	ok, err := s.srv.anvil.exceptions.matchHost(s.client.name, s.client.addr)
	if err != nil {
		s.srv.log.Warn("%v", err)
	}
	return ok && err == nil
}

// anvilRequester returns the session's anvil client, taken from the
// pool at the first request (the connect, or a wrapper-mode TLS
// handshake before it); nil when there are no limits or the client is
// exempt.
func (s *session) anvilRequester() anvil.Requester {
	a := s.srv.anvil
	if a == nil {
		return nil
	}
	if !s.anvil.decided {
		s.anvil.decided, s.anvil.exempt = true, s.anvilExempt()
	}
	if s.anvil.exempt {
		return nil
	}
	if s.anvil.req == nil {
		s.anvil.req = a.pool.Get()
	}
	return s.anvil.req
}

// anvilConnect registers the connection before the greeting and
// enforces the connection count and rate limits; false means the 421
// reply was sent and the session ends.
func (s *session) anvilConnect() bool {
	req := s.anvilRequester()
	if req == nil {
		return true
	}
	a := s.srv.anvil
	count, rate, err := req.Connect(s.service, s.client.addr)
	switch {
	case err != nil:
	case a.connCount > 0 && count > a.connCount:
		s.srv.log.Warn("Connection concurrency limit exceeded: %d from %s for service %s",
			count, s.namaddr(), s.service)
		s.replyf("421 4.7.0 %s Error: too many connections from %s", s.p.myhostname, s.client.addr)
		return false
	case a.connRate > 0 && rate > a.connRate:
		s.srv.log.Warn("Connection rate limit exceeded: %d from %s for service %s",
			rate, s.namaddr(), s.service)
		s.replyf("421 4.7.0 %s Error: too many connections from %s", s.p.myhostname, s.client.addr)
		return false
	}
	return true
}

// anvilDisconnect registers the end of the session and gives the anvil
// client back for the next session of this process.
func (s *session) anvilDisconnect() {
	if s.anvil.req == nil {
		return
	}
	s.anvil.req.Disconnect(s.service, s.client.addr)
	s.srv.anvil.pool.Put(s.anvil.req)
	s.anvil.req = nil
}

// anvilRate asks for one rate when its limit is on and the session is
// counted; it returns the rate when the limit is exceeded, else 0.
func (s *session) anvilRate(limit int, ask func(anvil.Requester) (int, error)) int {
	if limit <= 0 {
		return 0
	}
	req := s.anvilRequester()
	if req == nil {
		return 0
	}
	rate, err := ask(req)
	if err != nil || rate <= limit {
		return 0
	}
	return rate
}
