package smtpd

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// check_policy_service (SMTPD_POLICY_README; smtpd_check.c
// check_policy_service()): the session's attributes go to a policy
// server (policy_client.go) as a "request=smtpd_access_policy" list, in
// Postfix 3.7's order; the "action" of the reply is an access(5) action,
// applied as a table result with the server as the table and "policy
// query" as the key. When the server cannot be asked,
// smtpd_policy_service_default_action (or the endpoint's default_action)
// applies instead; a default action that leads to another failing
// policy query gets "451 4.3.5 Server configuration problem".
//
// The servers named in the restriction lists and classes are checked
// when smtpd starts (a bad endpoint is a configuration error); a server
// named only in an access table value is set up when first used.
//
// XXX: Postern's smtpd does not verify client certificates, so
// ccert_subject, ccert_issuer, ccert_fingerprint and
// ccert_pubkey_fingerprint are always empty.

func init() {
	Params = append(Params, "smtpd_policy_service_timeout", "smtpd_policy_service_max_idle",
		"smtpd_policy_service_max_ttl", "smtpd_policy_service_default_action",
		"smtpd_policy_service_try_limit", "smtpd_policy_service_retry_delay",
		"smtpd_policy_service_request_limit", "smtpd_policy_service_policy_context", "stress")
}

// policyDefaultAction is DEF_SMTPD_POLICY_DEF_ACTION, for a nested
// failure.
const policyDefaultAction = "451 4.3.5 Server configuration problem"

// policyState is the per-session state of check_policy_service.
type policyState struct {
	arrival  time.Time // of the mail transaction the instance is for
	instance string
	seqno    int
}

// policyClients are the policy server endpoints, by their name in the
// restriction lists.
type policyClients struct {
	cfg    *config.Config
	stress string
	mu     sync.Mutex
	m      map[string]*policyClient
}

// newPolicyClients sets up the server after every check_policy_service
// in lists (smtpd_check_parse()).
func newPolicyClients(cfg *config.Config, lists [][]string) (*policyClients, error) {
	p := &policyClients{cfg: cfg, stress: cfg.Get("stress"), m: map[string]*policyClient{}}
	for _, l := range lists {
		for i := 1; i < len(l); i++ {
			if strings.EqualFold(l[i-1], "check_policy_service") {
				if _, err := p.get(l[i]); err != nil {
					return nil, err
				}
			}
		}
	}
	return p, nil
}

// get returns the client of a server, setting it up when needed.
func (p *policyClients) get(name string) (*policyClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.m[name]; c != nil {
		return c, nil
	}
	c, err := newPolicyClient(name, p.cfg)
	if err != nil {
		return nil, err
	}
	p.m[name] = c
	return c, nil
}

func (s *session) checkPolicyService(args []string, c checkCtx) (int, int) {
	if len(args) == 0 || !strings.Contains(args[0], ":") {
		s.srv.log.Warn("restriction %s must be followed by transport:server", "check_policy_service")
		return s.serverError(), 0
	}
	pc, err := s.srv.checks.policies.get(args[0])
	if err != nil {
		s.srv.log.Warn("%v", err)
		return s.serverError(), 1
	}
	return s.policyService(pc, c), 1
}

// policyService asks the server and applies its action, or the default
// action when that fails.
func (s *session) policyService(pc *policyClient, c checkCtx) int {
	action, ok := pc.request(s.policyRequest(pc), s.srv.log.Warn, s.srv.deps.Sleep)
	if ok && s.p.smtputf8 && !utf8.ValidString(action) {
		// Postfix's log output is made printable.
		s.srv.log.Warn("malformed UTF-8 in policy server %s response: \"%s\"", pc.name, printable(action, '?'))
		ok = false
	}
	if ok {
		return s.tableResult(pc.name, action, "policy query", c)
	}
	s.chk.policyNesting++
	defer func() { s.chk.policyNesting-- }()
	def := pc.defAction
	if s.chk.policyNesting > 1 {
		def = policyDefaultAction
	}
	return s.tableResult(pc.name, def, "policy query", c)
}

// policyRequest is the request list, in Postfix 3.7's order.
func (s *session) policyRequest(pc *policyClient) attr.List {
	var l attr.List
	state := s.where
	if state == "BDAT" {
		state = "DATA"
	}
	rcpt := ""
	if s.tx.haveRcpt {
		rcpt = s.tx.recipient
	}
	rcptCount := 0
	if state == "DATA" || state == whereAfterEOM {
		rcptCount = s.tx.rcptCount
	}
	size := s.tx.msgSize
	if s.tx.actSize > 0 {
		size = s.tx.actSize
	}
	for _, a := range [][2]string{{"request", "smtpd_access_policy"}, {"protocol_state", state},
		{"protocol_name", s.protocol}, {"client_address", s.client.addr}, {"client_name", s.client.name},
		{"client_port", s.client.port}, {"reverse_client_name", s.client.reverseName},
		{"server_address", s.client.serverAddr}, {"server_port", s.client.serverPort},
		{"helo_name", s.policyHelo()}, {"sender", s.policySender()}, {"recipient", rcpt},
		{"recipient_count", strconv.Itoa(rcptCount)}, {"queue_id", s.tx.queueID},
		{"instance", s.policyInstance()}, {"size", strconv.FormatInt(size, 10)},
		{"etrn_domain", s.chk.etrnName}, {"stress", s.srv.checks.policies.stress},
		{"sasl_method", s.saslMethod}, {"sasl_username", s.saslUsername}, {"sasl_sender", s.tx.saslSender},
	} {
		l.Str(a[0], a[1])
	}
	return append(l, s.policyTLS(pc)...)
}

func (s *session) policyHelo() string {
	if !s.haveHelo {
		return ""
	}
	return s.helo
}

func (s *session) policySender() string {
	if !s.tx.inMail {
		return ""
	}
	return s.tx.sender
}

// policyTLS is the TLS part of the request, and the policy context.
func (s *session) policyTLS(pc *policyClient) attr.List {
	var l attr.List
	proto, cipher, bits := "", "", 0
	if s.tls != nil {
		proto, cipher, bits = s.tls.info.Protocol, s.tls.info.Cipher, s.tls.info.UseBits
	}
	for _, a := range [][2]string{{"ccert_subject", ""}, {"ccert_issuer", ""}, {"ccert_fingerprint", ""},
		{"ccert_pubkey_fingerprint", ""}, {"encryption_protocol", proto}, {"encryption_cipher", cipher},
		{"encryption_keysize", strconv.Itoa(bits)}, {"policy_context", pc.context}} {
		l.Str(a[0], a[1])
	}
	return l
}

// policyInstance is state->instance: "pid.sec.usec.seqno" in hex, new
// for each mail transaction, empty outside one.
func (s *session) policyInstance() string {
	p := &s.chk.policy
	if !s.tx.inMail || s.tx.arrival.IsZero() {
		return ""
	}
	if !p.arrival.Equal(s.tx.arrival) {
		p.arrival = s.tx.arrival
		p.instance = fmt.Sprintf("%x.%x.%x.%x", os.Getpid(), s.tx.arrival.Unix(),
			s.tx.arrival.Nanosecond()/1000, p.seqno)
		p.seqno++
	}
	return p.instance
}
