// Package master is Postern's master(8): the resident process that owns
// every listening endpoint of master.cf and runs the daemons that serve
// them, as Postfix's master does.
//
// At start the master reads main.cf and master.cf, locks
// $queue_directory/pid/master.pid and $data_directory/master.lock (flock,
// the process id right-aligned in 32 columns), creates the endpoints of
// every service not disabled by $master_service_disable — inet sockets
// on each $inet_interfaces address or on the service's own host:port,
// UNIX-domain stream and datagram sockets and FIFOs under
// $queue_directory/private and public — and logs "daemon started --
// version 3.7.11, configuration DIR".
//
// A service has no process until a client shows up: when none of its
// children is available, it is not throttled and it is below its process
// limit (maxproc; 0 = none), the master watches the endpoints and, when
// one becomes readable, starts $daemon_directory/COMMAND with the
// endpoints, the status socket and the flow-control pipe as inherited
// descriptors (pkg/server documents the convention; argv is built as
// Postfix builds it). Children report on the status socket when they
// become busy or available; the master never accepts a client itself,
// so a client waits in the listen queue until a child takes it.
//
// A child that exits abnormally is logged ("process PATH pid N exit
// status S", "... killed by signal S"); when it had not finished a single
// client the service is throttled for $service_throttle_time ("PATH: bad
// command startup -- throttling"). Services with a wakeup time get a "W"
// trigger every N seconds ("N?": only after their first child started).
// An inet service that reaches its process limit logs the process-limit
// warning and starts new children with "-o stress=yes" for 1000 seconds.
//
// SIGHUP rereads both files ("reload -- version 3.7.11, configuration
// DIR"): new services are started, removed services have their children
// terminated and their endpoints closed, and the other services keep
// their endpoints and get a new status socket, so that their children
// exit once they have finished their current client and the next ones
// run with the new settings. SIGTERM, SIGINT and SIGQUIT terminate every
// child ("terminating on signal 15").
//
// Parameters read: config_directory, queue_directory, data_directory,
// daemon_directory, mail_owner, default_process_limit,
// service_throttle_time, master_service_disable, inet_interfaces,
// inet_protocols, import_environment and the logging parameters.
package master

import (
	"os"
	"path/filepath"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// Master is the running master process.
type Master struct {
	opts       Options
	dir        string // configuration directory
	cfg        *config.Config
	env        *entryEnv
	services   []*service
	children   map[int]*child
	events     chan func()
	poller     *poller
	flow       [2]int // flow-control pipe
	generation uint32
	root       bool
	owner      server.Owner
	procLimit  int
	disable    []string
	childEnv   []string
	sigs       chan os.Signal
	pidLock    *os.File // held for the master's lifetime
	dataLock   *os.File
}

// child is one running daemon process (MASTER_PROC).
type child struct {
	pid      int
	gen      uint32
	serv     *service
	avail    bool
	useCount int // clients taken, as reported on the status socket
	sessions int // clients being served, as last reported
	// limit is how much of the service's process limit the child
	// holds: the most clients it serves at once, as it reports; until
	// its first report, the whole session budget it was given.
	limit int
}

// Options are the master's command-line settings.
type Options struct {
	ConfigDir  string
	Verbose    bool          // -v: children get -v too
	Foreground bool          // -d: do not detach; children get -d
	InitMode   bool          // -i: PID 1 in a container
	KeepStdout bool          // -s
	ExitAfter  time.Duration // -e: exit after this long
}

func newMaster(opts Options) *Master {
	return &Master{
		opts:     opts,
		dir:      opts.ConfigDir,
		children: map[int]*child{},
		events:   make(chan func(), 256),
		root:     os.Geteuid() == 0,
	}
}

// post runs fn in the master's event loop; helpers in other goroutines
// (status readers, the endpoint poller, timers) report through it.
func (m *Master) post(fn func()) { m.events <- fn }

// after runs fn in the event loop after d.
func (m *Master) after(d time.Duration, fn func()) {
	time.AfterFunc(d, func() { m.post(fn) })
}

// configPath returns a file of the configuration directory.
func (m *Master) configPath(name string) string { return filepath.Join(m.dir, name) }

// readConfig (re)reads main.cf and the master's own parameters
// (master_vars_init). Errors are fatal, as in Postfix.
func (m *Master) readConfig() {
	cfg, err := config.Load(m.dir)
	if err != nil {
		maillog.Fatal("%v", err)
	}
	for _, w := range cfg.Main.Warnings {
		maillog.Warn("%s", w)
	}
	for _, name := range []string{"service_throttle_time", "default_process_limit"} {
		if err := server.CheckParam(cfg, name); err != nil {
			maillog.Fatal("%v", err)
		}
	}
	m.procLimit, _ = cfg.Int("default_process_limit")
	m.disable = config.SplitList(cfg.Get("master_service_disable"))
	if m.cfg != nil {
		m.watchChanges(cfg)
	}
	m.cfg = cfg
	if m.env == nil {
		m.initEntryEnv()
	}
	m.env.cfg = cfg
}

// watchChanges warns about settings that only a restart can change
// (master_vars.c master_str_watch).
func (m *Master) watchChanges(cfg *config.Config) {
	for _, name := range []string{"config_directory", "queue_directory", "inet_protocols"} {
		if old, now := m.cfg.Get(name), cfg.Get(name); old != now {
			maillog.Warn("ignoring %s change", name)
			maillog.Warn("to change %s, stop and start Postfix", name)
		}
	}
}

func (m *Master) initEntryEnv() {
	p, err := inetProtocols(m.cfg.Get("inet_protocols"))
	if err != nil {
		maillog.Fatal("%v", err)
	}
	m.env = &entryEnv{
		interfaces: m.cfg.Get("inet_interfaces"),
		protocols:  p,
		foreground: m.opts.Foreground,
		verbose:    m.opts.Verbose,
	}
}
