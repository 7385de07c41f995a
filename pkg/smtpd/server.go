package smtpd

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/postern/postern/pkg/anvil"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/resolve"
	"github.com/postern/postern/pkg/tlsconf"
)

// Logger receives smtpd's log records, worded as Postfix's; the text of
// Warn gets the "warning: " prefix from the logger.
type Logger interface {
	Info(format string, args ...any)
	Warn(format string, args ...any)
}

type maillogLogger struct{}

func (maillogLogger) Info(format string, args ...any) { maillog.Info(format, args...) }
func (maillogLogger) Warn(format string, args ...any) { maillog.Warn(format, args...) }

// Deps are what smtpd uses beyond the configuration. Only Queue is
// required; the others default to the real thing.
type Deps struct {
	Queue    Queue        // where accepted mail goes (pkg/cleanup)
	Resolver Resolver     // address classes; default: smtpd's own over the domain lists
	Names    NameResolver // client name lookups; default net.DefaultResolver
	Log      Logger       // default pkg/maillog
	Service  string       // master.cf service name, for anvil and logs; default "smtp"
	// Anvil hands out the clients of the anvil service (connection and
	// rate limits, anvil.go); default: clients of private/anvil in the
	// working directory ($queue_directory under the master).
	Anvil *anvil.Pool
	// FreeSpace returns the bytes available to the queue file system;
	// default statfs(2) of queue_directory.
	FreeSpace func(dir string) (int64, error)
	// Sleep waits for the error delay; default time.Sleep.
	Sleep func(time.Duration)
	// OpenTable opens a "type:name" table; default dict.Open with a
	// stand-in for a table that cannot be opened (dict.Options.Surrogate).
	OpenTable func(spec string) (dict.Dict, error)
	// SASLDir is the base of a relative smtpd_sasl_path; default: the
	// working directory, which the daemon skeleton sets to
	// $queue_directory (or the chroot), as in Postfix.
	SASLDir string
	// SASLDial connects to the auth server; default net.Dialer.
	SASLDial func(ctx context.Context, network, address string) (net.Conn, error)
	// StandAlone is the mode of "sendmail -bs" (Postfix's smtpd -S run
	// by a user): no restrictions, TLS, SASL or anvil (standalone.go).
	StandAlone bool
	// DNS answers the DNS-based restrictions; default SystemDNS().
	DNS *DNS
	// Flush is the fast flush service for ETRN; default: a flush.Client
	// of public/$flush_service_name in the working directory.
	Flush FlushSender
	// Verify is the address verification service for
	// reject_unverified_*; default: a verify.Client of
	// private/$address_verify_service_name in the working directory.
	Verify Verifier
}

// Server serves SMTP sessions. One Server per process; Serve may be
// called from many goroutines at once, one per connection.
type Server struct {
	p        *params
	deps     Deps
	log      Logger
	checks   *checker
	lists    *lists
	rewrite  []rewriteRule
	anvil    *anvilLimits // nil: no connection or rate limits
	sasl     *saslServer  // nil: SASL is off (sasl.go)
	tls      *tlsconf.Server
	dictOpts dict.Options
	once     sync.Map // warnings already logged
	verify   *verifySettings
}

// New reads smtpd's parameters from cfg, opens its tables and checks
// the restriction lists. Errors are configuration errors: the caller
// logs them as fatal, as Postfix's smtpd does.
func New(cfg *config.Config, deps Deps) (*Server, error) {
	if deps.Queue == nil {
		return nil, fmt.Errorf("smtpd: no queue")
	}
	s := &Server{deps: deps, log: deps.Log}
	s.defaults(cfg)
	var err error
	if s.p, err = readParams(cfg); err != nil {
		return nil, err
	}
	if s.lists, err = openLists(cfg, s.deps.OpenTable); err != nil {
		return nil, err
	}
	if s.deps.Resolver == nil {
		r, err := resolve.New(cfg, resolve.Options{Dict: s.dictOpts})
		if err != nil {
			return nil, err
		}
		r.Info, r.Warn = s.log.Info, s.log.Warn
		s.deps.Resolver = newResolveCache(trivialRewrite{r})
	}
	if s.rewrite, err = parseRewriteRules(cfg, s.deps.OpenTable); err != nil {
		return nil, err
	}
	if s.checks, err = newChecker(cfg, s); err != nil {
		return nil, err
	}
	if deps.StandAlone {
		s.setupStandAlone()
	} else if err := s.setupServices(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// setupServices sets up the anvil limits, the flush and verify clients,
// TLS and SASL.
func (s *Server) setupServices(cfg *config.Config) error {
	var err error
	if s.anvil, err = newAnvilLimits(cfg, s.deps.Anvil, s.deps.OpenTable, s.log); err != nil {
		return err
	}
	if err = s.setupFlush(cfg); err != nil {
		return err
	}
	if err = s.setupVerify(cfg); err != nil {
		return err
	}
	if s.tls, err = setupTLS(cfg, s.log); err != nil {
		return err
	}
	s.sasl, err = setupSASL(cfg, s.deps.OpenTable, &s.deps, s.log)
	return err
}

func (s *Server) defaults(cfg *config.Config) {
	if s.log == nil {
		s.log = maillogLogger{}
	}
	if s.deps.Names == nil {
		s.deps.Names = net.DefaultResolver
	}
	if s.deps.Service == "" {
		s.deps.Service = "smtp"
	}
	if s.deps.FreeSpace == nil {
		s.deps.FreeSpace = freeSpace
	}
	if s.deps.Sleep == nil {
		s.deps.Sleep = time.Sleep
	}
	if s.deps.DNS == nil {
		s.deps.DNS = SystemDNS()
	}
	// A table that cannot be opened is logged as an "error:" record and
	// replaced by a stand-in whose lookups fail with a retry error, so
	// that only the requests that need it fail (dict_allow_surrogate, as
	// in every Postfix daemon).
	s.dictOpts = dict.Options{Flags: dict.FoldFix | dict.Lock, Param: cfg.Get, Surrogate: true,
		Warn:  func(m string) { s.log.Warn("%s", m) },
		Error: func(m string) { s.logError("%s", m) }}
	if s.deps.OpenTable == nil {
		s.deps.OpenTable = s.openShared()
	}
}

// openShared opens each "type:name" once per process, whichever lists
// and parameters name it (Postfix's dict_register()): mynetworks,
// smtpd_client_event_limit_exceptions and
// smtpd_forbid_bare_newline_exclusions share one table, and a table that
// cannot be opened logs its "error:" record once.
func (s *Server) openShared() func(spec string) (dict.Dict, error) {
	var mu sync.Mutex
	opened := map[string]dict.Dict{}
	return func(spec string) (dict.Dict, error) {
		mu.Lock()
		defer mu.Unlock()
		if d, ok := opened[spec]; ok {
			return d, nil
		}
		d, err := dict.Open(spec, s.dictOpts)
		if err == nil {
			opened[spec] = d
		}
		return d, err
	}
}

// warnOnce logs a warning the first time key is seen in this process.
func (s *Server) warnOnce(key, format string, args ...any) {
	if _, seen := s.once.LoadOrStore(key, true); !seen {
		s.log.Warn(format, args...)
	}
}

// Serve talks SMTP on conn until the client leaves, then closes conn.
func (s *Server) Serve(conn net.Conn) { s.ServeContext(context.Background(), conn) }

// ServeContext is Serve with a context that bounds the client name
// lookups.
func (s *Server) ServeContext(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	sess := newSession(s, conn)
	sess.identify(ctx)
	s.log.Info("connect from %s", sess.namaddr())
	sess.setupBareLF()
	sess.proto()
	sess.closeTLS()
	s.log.Info("disconnect from %s%s", sess.namaddr(), sess.stats.format())
}
