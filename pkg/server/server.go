// Package server is the skeleton every Postern daemon runs in, as
// Postfix's master/single_server.c, multi_server.c, trigger_server.c and
// dgram_server.c: a daemon's main declares the parameters it reads and
// hands a service function to RunSingle, RunMulti, RunTrigger or
// RunDgram; the skeleton does everything else.
//
// What the skeleton does, in order (single_server_main):
//
//  1. parse the master's arguments: -c (chroot), -d (foreground), -D
//     (debug), -i max_idle, -l (process limit 1), -m max_use, -n service
//     name, -o name=value (main.cf override), -r retire time, -s count of
//     listening descriptors, -S (serve stdin, no master), -t transport
//     type, -u (unprivileged), -v (verbose), -V (log to stderr), -z
//     (no process limit); the remaining arguments go to the service;
//  2. read main.cf from $MAIL_CONFIG, apply the -o overrides and set
//     service_name, then start logging (pkg/maillog) as
//     $syslog_name/PROGRAM;
//  3. refuse to run without the master ("fatal: do not run this command
//     by hand") unless -S is given;
//  4. check the parameters the daemon declared (Options.Params), so that
//     a bad value is fatal at startup with Postfix's message;
//  5. chdir to $queue_directory, run Options.PreInit (open tables, read
//     keys: still root when the master runs as root), then enter the
//     chroot jail ($queue_directory, -c) and become $mail_owner (-u),
//     then run Options.PostInit;
//  6. serve: wait for a client on the listening descriptors (fd 6 ...),
//     tell the master on the status socket (fd 5) when the process
//     becomes busy and available again, and exit after $max_use clients,
//     after $max_idle seconds without a client, when the master goes
//     away or reloads (the status socket becomes readable), or when the
//     $daemon_timeout watchdog fires.
//
// Several processes of one service wait on the same listening socket;
// single and trigger servers serialize their accept() with an exclusive
// flock on $queue_directory/pid/TYPE.SERVICE unless the service has a
// process limit of 1.
//
// The descriptor convention and the status messages are in proto.go and
// docs/architecture.md. Parameters read: queue_directory, mail_owner,
// max_use, max_idle, daemon_timeout, in_flow_delay, syslog_name and the
// other maillog parameters, plus what the daemon declares.
//
// Privileges are dropped in the running process after PreInit, as
// Postfix does, so that a daemon can read root-only files (TLS keys,
// tables outside the jail) before it enters the jail. syscall.Setuid and
// Setgid act on every thread of a Go program on Linux, and chroot(2) is
// process-wide, so no thread keeps root or sees outside the jail.
package server

import (
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/postern/postern/pkg/config"
)

// Options are a daemon's declarations to the skeleton.
type Options struct {
	// Params lists the main.cf parameters the daemon reads; each is
	// checked at startup against its registered type and bounds.
	Params []string
	// PreInit runs before the privilege drop, in $queue_directory.
	PreInit func(s *Server) error
	// PostInit runs after the privilege drop, before the first client.
	PostInit func(s *Server) error
	// Loop runs before each wait for a client; it returns the longest
	// time to wait (0 or less: no limit of its own), like MAIL_SERVER_LOOP.
	Loop func(s *Server) time.Duration
	// PreAccept runs before each accept (MAIL_SERVER_PRE_ACCEPT).
	PreAccept func(s *Server)
	// OnExit runs when the process exits voluntarily (MAIL_SERVER_EXIT).
	OnExit func(s *Server)
	// Solitary requires a process limit of 1 (MAIL_SERVER_SOLITARY).
	Solitary bool
	// Unlimited requires a process limit of 0 (MAIL_SERVER_UNLIMITED).
	Unlimited bool
	// Privileged refuses to run unprivileged (MAIL_SERVER_PRIVILEGED).
	Privileged bool
	// InFlowDelay waits up to $in_flow_delay for a flow-control token
	// before serving a client (MAIL_SERVER_IN_FLOW_DELAY).
	InFlowDelay bool
	// Resident makes the process ignore max_use and max_idle (qmgr).
	Resident bool
	// Sessions lets a single server (RunSingle) serve up to this many
	// clients at once in one process, each in a goroutine of its own,
	// within the session budget the master gives it (SessionBudgetEnv),
	// so that maxproc still limits the service's concurrent sessions.
	// 0 or 1: one client at a time. The service function must then be
	// safe for concurrent use.
	Sessions int
	// WatchdogParam names a time parameter that replaces
	// $daemon_timeout for the watchdog (MAIL_SERVER_WATCHDOG).
	WatchdogParam string
	// RetireMe retires the process after -r seconds, or max_idle ×
	// max_use capped at 18000 s (MAIL_SERVER_RETIRE_ME).
	RetireMe bool
}

// Server is the running daemon as the service function sees it.
type Server struct {
	Program   string         // basename of argv[0]: "smtpd"
	Service   string         // master.cf service name (-n), else Program
	Transport string         // -t: inet, unix, unix-dgram, fifo, pass
	Args      []string       // master.cf arguments after the options
	Config    *config.Config // main.cf with this service's -o overrides
	Unpriv    bool           // -u: runs as $mail_owner
	Chroot    bool           // -c: runs inside $queue_directory
	Stress    bool           // -o stress=yes: the service is overloaded
	Solitary  bool           // -l: process limit 1
	Unlimited bool           // -z: no process limit

	MaxUse  int           // clients before exiting; 0 = no limit
	MaxIdle time.Duration // idle time before exiting; 0 = no limit

	opts        Options
	flags       flags
	generation  uint32
	useCount    int
	sessions    int
	limit       int // most clients served at once, reported to the master
	listeners   map[int]deadlineListener
	listenFiles []*os.File // keep the listening descriptors open
	pid         int
	lockFD      int // accept lock, -1 when none
	watchdog    *time.Timer
	timeout     time.Duration // $daemon_timeout
	retireAt    time.Time
	draining    atomic.Bool // the master went away or reloaded: finish and exit
}

// Standalone reports whether the daemon runs without the master (-S),
// serving standard input; Postfix's servers then skip the post-accept
// hook (a trivial-rewrite -S does not announce its protocol).
func (s *Server) Standalone() bool { return s.flags.standalone }

// Conn is what a single or multi server's service function gets.
type Conn = net.Conn

// Jailed reports whether the process runs (or, in PreInit, will run)
// inside the chroot jail: -c given and started as root.
func (s *Server) Jailed() bool { return s.Chroot && os.Geteuid() == 0 }

// QueueDir returns $queue_directory as the process sees it while it
// serves: "/" inside the chroot jail, else the configured path. PreInit
// may use it to prepare paths that are used after the jail is entered.
func (s *Server) QueueDir() string {
	if s.Jailed() {
		return "/"
	}
	return s.Config.Get("queue_directory")
}

// Draining reports whether the process stopped taking clients because
// the master went away or reloaded: it exits once the clients it has
// are done, so a client connection should not be kept for more work.
func (s *Server) Draining() bool { return s.draining.Load() || s.masterGone() }

// UseCount returns the number of clients served so far.
func (s *Server) UseCount() int { return s.useCount }
