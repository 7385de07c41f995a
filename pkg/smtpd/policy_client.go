package smtpd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
	"golang.org/x/sys/unix"
)

// The client of a policy server (SMTPD_POLICY_README): Postfix's
// attr_clnt over auto_clnt, with the plain attribute encoding. A request
// is "name=value" lines and an empty line; the reply is the same, of
// which only "action" is used.
//
// An endpoint is "inet:host:port", "unix:path" or "local:path" (a
// relative path is relative to the working directory, the queue
// directory), or "{ endpoint, name = value, ... }" with per-server
// overrides of the smtpd_policy_service_* parameters without that
// prefix (timeout, max_idle, max_ttl, retry_delay, request_limit,
// try_limit, default_action, policy_context).
//
// Postfix keeps one connection per smtpd process; Postern's sessions
// share a pool of idle connections per endpoint, each closed after
// max_idle seconds unused, max_ttl seconds after it was opened and
// request_limit requests. A request that fails is tried again,
// retry_delay apart, up to try_limit times in all; then the
// restriction applies default_action.

// policyClient is one policy server endpoint.
type policyClient struct {
	name             string // as in the restriction list (the table name in logs)
	network, address string // for net.Dial
	endpoint         string // auto_clnt's endpoint: the part after "transport:"
	timeout, maxIdle time.Duration
	maxTTL, retry    time.Duration
	reqLimit         int
	tryLimit         int
	defAction        string
	context          string

	mu   sync.Mutex
	idle []*policyConn
}

// policyConn is one connection to a policy server.
type policyConn struct {
	c        net.Conn
	r        *bufio.Reader
	opened   time.Time
	used     time.Time
	requests int
	endpoint string
	timeout  time.Duration
}

// newPolicyClient parses an endpoint with optional overrides; errors
// are Postfix's fatal configuration errors.
func newPolicyClient(name string, cfg *config.Config) (*policyClient, error) {
	p, err := policyDefaults(name, cfg)
	if err != nil {
		return nil, err
	}
	service := name
	if strings.HasPrefix(name, "{") {
		inner, errText := policyExtpar(name)
		if errText != "" {
			return nil, fmt.Errorf("policy service syntax error: %s", errText)
		}
		words := config.SplitList(inner)
		if len(words) == 0 {
			return nil, fmt.Errorf("empty policy service: \"%s\"", name)
		}
		service = words[0]
		for _, w := range words[1:] {
			if err := p.override(w); err != nil {
				return nil, err
			}
		}
	}
	return p, p.setEndpoint(service)
}

// policyDefaults reads the smtpd_policy_service_* parameters.
func policyDefaults(name string, cfg *config.Config) (*policyClient, error) {
	r := &paramReader{cfg: cfg}
	p := &policyClient{name: name,
		timeout: r.dur("smtpd_policy_service_timeout"), maxIdle: r.dur("smtpd_policy_service_max_idle"),
		maxTTL: r.dur("smtpd_policy_service_max_ttl"), retry: r.dur("smtpd_policy_service_retry_delay"),
		reqLimit:  r.num("smtpd_policy_service_request_limit"),
		tryLimit:  r.num("smtpd_policy_service_try_limit"),
		defAction: r.str("smtpd_policy_service_default_action"),
		context:   r.str("smtpd_policy_service_policy_context")}
	return p, r.err
}

// setEndpoint is auto_clnt_create().
func (p *policyClient) setEndpoint(service string) error {
	transport, endpoint, ok := strings.Cut(service, ":")
	if !ok || endpoint == "" || transport == "" {
		return fmt.Errorf("need service transport:endpoint instead of \"%s\"", service)
	}
	p.endpoint = endpoint
	switch transport {
	case "inet":
		host, port := endpoint, ""
		if i := strings.LastIndexByte(endpoint, ':'); i >= 0 {
			host, port = endpoint[:i], endpoint[i+1:]
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		p.network, p.address = "tcp", net.JoinHostPort(host, port)
	case "unix", "local":
		p.network, p.address = "unix", endpoint
	default:
		return fmt.Errorf("invalid transport name: %s in service: %s", transport, service)
	}
	return nil
}

// override applies one "name = value" or "{ name = value }" item
// (attr_override()).
func (p *policyClient) override(item string) error {
	if strings.HasPrefix(item, "{") {
		inner, errText := policyExtpar(item)
		if errText != "" {
			return fmt.Errorf("%s in \"%s\"", errText, inner)
		}
		item = inner
	}
	key, value, err := config.SplitNameValue(item)
	if err != nil {
		return fmt.Errorf("malformed option: %v: \"...%s...\"", err, item)
	}
	durations := map[string]*time.Duration{"timeout": &p.timeout, "max_idle": &p.maxIdle,
		"max_ttl": &p.maxTTL, "retry_delay": &p.retry}
	ints := map[string]*int{"request_limit": &p.reqLimit, "try_limit": &p.tryLimit}
	switch {
	case key == "default_action":
		if value == "" {
			return fmt.Errorf("bad string length 0 < 1: %s = %s", key, value)
		}
		p.defAction = value
	case key == "policy_context":
		p.context = value
	case durations[key] != nil:
		secs, ok := config.ParseTime(value, 's')
		if !ok {
			return fmt.Errorf("%s: bad time value or unit: %s", key, value)
		}
		if secs < 1 {
			return fmt.Errorf("invalid %s: %d (min %d)", key, secs, 1)
		}
		*durations[key] = time.Duration(secs) * time.Second
	case ints[key] != nil:
		return p.intOverride(key, value, ints[key])
	default:
		return fmt.Errorf("unknown option: \"%s = %s\"", key, value)
	}
	return nil
}

func (p *policyClient) intOverride(key, value string, dst *int) error {
	var n int
	if _, err := fmt.Sscanf(value, "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimPrefix(value, "+") {
		return fmt.Errorf("bad numerical configuration: %s = %s", key, value)
	}
	min := map[string]int{"request_limit": 0, "try_limit": 1}[key]
	if n < min {
		return fmt.Errorf("invalid %s parameter value %d < %d", key, n, min)
	}
	*dst = n
	return nil
}

// policyExtpar is extpar() without stripping: the text inside "{ }",
// or Postfix's error text.
func policyExtpar(s string) (string, string) {
	level := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			level++
		case '}':
			level--
			if level == 0 {
				if i != len(s)-1 {
					return s[1:i], "syntax error after '}' in \"" + s + "\""
				}
				return s[1:i], ""
			}
		}
	}
	return s[1:], "missing '}' in \"" + s + "\""
}

// request sends one request and returns the action (attr_clnt_request);
// false when every try failed. warn logs, sleep waits retry_delay.
func (p *policyClient) request(req attr.List, warn func(string, ...any), sleep func(time.Duration)) (string, bool) {
	for count := 1; ; count++ {
		pc, err := p.get(warn)
		action := ""
		if err == nil {
			if action, err = pc.call(req, warn); err == nil {
				p.put(pc)
				return action, true
			}
			pc.c.Close()
		}
		last := p.tryLimit > 0 && count >= p.tryLimit
		if last || noteworthy(err) {
			warn("problem talking to server %s: %s", p.endpoint, errnoText(err))
		}
		if last {
			return "", false
		}
		sleep(p.retry)
	}
}

// get returns an idle connection that is still good, or a new one.
func (p *policyClient) get(warn func(string, ...any)) (*policyConn, error) {
	now := time.Now()
	p.mu.Lock()
	for len(p.idle) > 0 {
		pc := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(pc.used) < p.maxIdle && now.Sub(pc.opened) < p.maxTTL && !pc.stale() {
			p.mu.Unlock()
			return pc, nil
		}
		pc.c.Close()
	}
	p.mu.Unlock()
	c, err := net.DialTimeout(p.network, p.address, p.timeout)
	if err != nil {
		warn("connect to %s: %s", p.endpoint, errnoText(err))
		return nil, err
	}
	return &policyConn{c: c, r: bufio.NewReader(c), opened: now, endpoint: p.endpoint, timeout: p.timeout}, nil
}

// put keeps a connection for the next request, unless it reached
// request_limit.
func (p *policyClient) put(pc *policyConn) {
	pc.requests++
	pc.used = time.Now()
	if p.reqLimit > 0 && pc.requests >= p.reqLimit {
		pc.c.Close()
		return
	}
	p.mu.Lock()
	p.idle = append(p.idle, pc)
	p.mu.Unlock()
}

// stale reports whether the server closed the connection or sent
// something unasked while it was idle (auto_clnt's read event): a
// non-blocking peek at the socket.
func (pc *policyConn) stale() bool {
	if pc.r.Buffered() > 0 {
		return true
	}
	sc, ok := pc.c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	stale := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		stale = n > 0 || err == nil || err != unix.EAGAIN
		return true
	})
	return stale || err != nil
}

// call writes the request and reads the reply's action
// (attr_print_plain, attr_scan_plain with ATTR_FLAG_MISSING).
func (pc *policyConn) call(req attr.List, warn func(string, ...any)) (string, error) {
	var b strings.Builder
	for _, a := range req {
		b.WriteString(a.Name + "=" + a.Value + "\n")
	}
	b.WriteString("\n")
	pc.c.SetDeadline(time.Now().Add(pc.timeout))
	if _, err := io.WriteString(pc.c, b.String()); err != nil {
		return "", err
	}
	return pc.reply(warn)
}

// errMissingAction is a reply without an action attribute.
var errMissingAction = errors.New("missing action")

// reply reads one reply list: the first "action" is the action, other
// attributes are skipped, an empty line ends the list.
func (pc *policyConn) reply(warn func(string, ...any)) (string, error) {
	action, found := "", false
	for first := true; ; first = false {
		line, err := pc.r.ReadString('\n')
		if err != nil {
			if first && line == "" && errors.Is(err, io.EOF) {
				return "", io.ErrUnexpectedEOF // attr_scan_plain returns 0 silently
			}
			what := "input attribute name"
			if strings.Contains(line, "=") {
				what = "input attribute value"
			}
			if isTimeout(err) {
				warn("timeout on %s while reading %s", pc.endpoint, what)
			} else {
				warn("premature end-of-input on %s while reading %s", pc.endpoint, what)
			}
			return "", err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if !found {
				warn("missing attribute action in input from %s", pc.endpoint)
				return "", errMissingAction
			}
			return action, nil
		}
		if name, value, ok := strings.Cut(line, "="); ok && name == "action" && !found {
			action, found = value, true
		}
	}
}

// noteworthy is attr_clnt's test for warning at every try: a system
// error other than EPIPE, ENOENT and ECONNRESET.
func noteworthy(err error) bool {
	var errno syscall.Errno
	if isTimeout(err) {
		return true
	}
	if !errors.As(err, &errno) {
		return false
	}
	return errno != syscall.EPIPE && errno != syscall.ENOENT && errno != syscall.ECONNRESET
}

// errnoText is strerror(errno) for err: "Application error" when no
// system error is involved (Postfix's %m with errno 0).
func errnoText(err error) string {
	var errno syscall.Errno
	switch {
	case isTimeout(err):
		errno = syscall.ETIMEDOUT
	case errors.As(err, &errno):
	default:
		return "Application error"
	}
	t := errno.Error()
	return strings.ToUpper(t[:1]) + t[1:]
}

// isTimeout reports whether err is an I/O or connect timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
