package server

import (
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// start runs steps 1-5 of the package comment and returns the Server
// ready to serve. Every failure is fatal, as in Postfix.
func start(opts Options, transports ...string) *Server {
	signal.Ignore(syscall.SIGPIPE, syscall.SIGXFSZ)
	setProcs()
	s := &Server{Program: filepath.Base(os.Args[0]), opts: opts, lockFD: -1, limit: 1, pid: os.Getpid()}
	if os.Getenv("MAIL_VERBOSE") != "" {
		maillog.SetVerbose(1)
	}
	f, err := parseFlags(os.Args[1:])
	if err != nil {
		// Postfix starts logging before it reads its options: the
		// error goes where the daemon's other lines go ($maillog_file).
		if cfg, cerr := config.Load(config.ConfigDir("")); cerr == nil {
			maillog.Init(cfg, s.Program)
		}
		maillog.Fatal("%v", err)
	}
	s.flags = f
	s.loadConfig()
	s.checkStarter()
	s.checkOptions(transports)
	s.checkParams()
	s.readLimits()
	s.readGeneration()
	s.openLock()
	s.startProfile()
	s.enterJail()
	return s
}

// loadConfig reads main.cf, applies the -o overrides and starts logging.
func (s *Server) loadConfig() {
	cfg, err := config.Load(config.ConfigDir(""))
	if err != nil {
		maillog.Fatal("%v", err)
	}
	maillog.Init(cfg, s.Program)
	for _, o := range s.flags.overrides {
		cfg.Set(o.Name, o.Value)
	}
	s.Service = s.flags.service
	if s.Service == "" {
		s.Service = s.Program
	}
	cfg.Set("service_name", s.Service)
	cfg.Set("process_name", s.Program)
	s.Config = cfg
	maillog.Init(cfg, s.Program)
	if s.flags.stderrLog > 0 {
		maillog.Default().SetEcho(true)
	}
	maillog.SetVerbose(maillog.Verbose() + s.flags.verbose)
	if maillog.Verbose() > 0 {
		maillog.Info("daemon started")
	}
	s.Stress = cfg.Get("stress") == "yes"
	s.Transport, s.Unpriv, s.Chroot = s.flags.transport, s.flags.unpriv, s.flags.chroot
	s.Solitary, s.Unlimited, s.Args = s.flags.solitary, s.flags.unlimited, s.flags.args
}

// checkStarter refuses to run when not started by the master: stdin is
// a terminal (Postfix's test) or there is no $GENERATION.
func (s *Server) checkStarter() {
	if s.flags.foreground || s.flags.standalone {
		return
	}
	_, termErr := unix.IoctlGetTermios(0, unix.TCGETS)
	if termErr == nil || os.Getenv(GenerationEnv) == "" {
		maillog.Default().SetEcho(true)
		maillog.Fatal("do not run this command by hand")
	}
}

func (s *Server) checkOptions(transports []string) {
	o := s.opts
	switch {
	case o.Solitary && !s.flags.standalone && !s.Solitary:
		maillog.Fatal("service %s requires a process limit of 1", s.Service)
	case o.Unlimited && !s.flags.standalone && !s.Unlimited:
		maillog.Fatal("service %s requires a process limit of 0", s.Service)
	case o.Privileged && s.Unpriv:
		maillog.Fatal("service %s requires privileged operation", s.Service)
	}
	if s.flags.standalone {
		return
	}
	if s.Transport == "" {
		maillog.Fatal("no transport type specified")
	}
	for _, t := range transports {
		if strings.EqualFold(t, s.Transport) {
			s.Transport = t
			return
		}
	}
	maillog.Fatal("unsupported transport type: %s", s.Transport)
}

// checkParams validates each declared parameter by its registered kind,
// so that "bad numerical configuration" and the like stop the daemon at
// startup rather than in the middle of a session.
func (s *Server) checkParams() {
	for _, name := range append([]string{"max_use", "max_idle", "daemon_timeout", "in_flow_delay"}, s.opts.Params...) {
		if err := CheckParam(s.Config, name); err != nil {
			maillog.Fatal("%v", err)
		}
	}
}

// CheckParam converts a parameter by its registered kind and returns the
// conversion error, if any.
func CheckParam(cfg *config.Config, name string) error {
	p, ok := config.LookupParam(name)
	if !ok {
		_, err := cfg.Value(name)
		return err
	}
	var err error
	switch p.Kind {
	case config.Int:
		_, err = cfg.Int(name)
	case config.Long:
		_, err = cfg.Long(name)
	case config.Bool, config.NBool:
		_, err = cfg.Bool(name)
	case config.Time:
		_, err = cfg.Duration(name)
	default:
		_, err = cfg.Value(name)
	}
	return err
}

func (s *Server) readLimits() {
	n, _ := s.Config.Int("max_use")
	idle, _ := s.Config.Duration("max_idle")
	s.MaxUse, s.MaxIdle = n, idle
	if s.opts.Resident {
		s.MaxUse, s.MaxIdle = 0, 0
	}
	watchdog := "daemon_timeout"
	if s.opts.WatchdogParam != "" {
		watchdog = s.opts.WatchdogParam
		if err := CheckParam(s.Config, watchdog); err != nil {
			maillog.Fatal("%v", err)
		}
	}
	s.timeout, _ = s.Config.Duration(watchdog)
}

func (s *Server) readGeneration() {
	g := os.Getenv(GenerationEnv)
	if g == "" {
		return
	}
	n, err := strconv.ParseUint(g, 8, 32)
	if err != nil {
		maillog.Fatal("bad generation: %s", g)
	}
	s.generation = uint32(n)
	if maillog.Verbose() > 0 {
		maillog.Info("process generation: %s (%o)", g, n)
	}
}

// enterJail runs PreInit, drops privileges and runs PostInit.
func (s *Server) enterJail() {
	qdir := s.Config.Get("queue_directory")
	if err := os.Chdir(qdir); err != nil {
		maillog.Fatal("chdir(\"%s\"): %v", qdir, errText(err))
	}
	if s.opts.PreInit != nil {
		if err := s.opts.PreInit(s); err != nil {
			maillog.Fatal("%v", err)
		}
	}
	_ = time.Now().Local().Format("MST") // load the time zone outside the jail
	if err := dropPrivileges(s.Config, s.Chroot, s.Unpriv); err != nil {
		maillog.Fatal("%v", err)
	}
	if s.opts.PostInit != nil {
		if err := s.opts.PostInit(s); err != nil {
			maillog.Fatal("%v", err)
		}
	}
}

// errText is the strerror text of a system error ("No such file or
// directory"), as Postfix's %m prints it.
func errText(err error) string {
	var errno syscall.Errno
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if e, ok := err.(syscall.Errno); ok {
		errno = e
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
