// Package postqueue is Postfix's postqueue(1), the unprivileged queue
// control command (and, through sendmail's mailq mode, mailq(1)):
//
//	postqueue [-v] [-c config_dir] -p     list the queue (mailq format)
//	postqueue [-v] [-c config_dir] -j     list the queue, one JSON object per message
//	postqueue [-v] [-c config_dir] -f     flush: trigger qmgr with "FADI", pickup with "W"
//	postqueue [-v] [-c config_dir] -i ID  deliver one deferred message (flush service)
//	postqueue [-v] [-c config_dir] -s SITE deliver mail queued for a site (flush service)
//
// Listings come from the showq service on $queue_directory/public/showq
// (pkg/showq). When that socket cannot be reached and the command runs
// as root, it warns "Mail system is down -- accessing queue directly"
// and reads the queue itself, as Postfix's postqueue does by running
// showq stand-alone; unprivileged users get "Queue report unavailable -
// mail system is down". -i and -s talk to the fast flush service on
// public/flush (flush_protocol: request=send_file or send_site), which
// moves the mail to the incoming queue and wakes qmgr.
//
// Access control: authorized_mailq_users (listings) and
// authorized_flush_users (flushes) are string lists of user names;
// root and $mail_owner are always allowed.
//
// Messages are Postfix's, on stderr as "postqueue: fatal: ..." and in the
// mail log; every fatal error exits with status 69 (EX_UNAVAILABLE), as
// Postfix's postqueue does through its msg_cleanup handler.
//
// Parameters read: queue_directory, hash_queue_names, hash_queue_depth,
// enable_long_queue_ids, empty_address_recipient,
// duplicate_filter_limit, authorized_mailq_users, authorized_flush_users,
// mail_owner, fast_flush_domains, trigger_timeout, showq_service_name,
// queue_service_name, pickup_service_name, flush_service_name,
// mail_name, and, when it runs set-group-ID with a non-default
// configuration directory, alternate_config_directories and
// multi_instance_directories of the default main.cf.
package postqueue

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/getopt"
	"github.com/postern/postern/pkg/maillog"
)

// exUnavailable is the status of every fatal error: postqueue's
// msg_cleanup handler exits with EX_UNAVAILABLE before the status that
// msg_fatal_status was given takes effect.
const exUnavailable = 69

// Env is the command's process environment; tests run it in-process.
type Env struct {
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
	UID    int  // real user ID
	EUID   int  // effective user ID
	Log    bool // also send messages to the mail log
	// Untrusted is config.Unsafe(): the command runs set-group-ID, so a
	// non-default configuration directory (-c, $MAIL_CONFIG) must be
	// authorized by the default main.cf.
	Untrusted bool
}

// fatal is an error that ends the command.
type fatal struct{ msg string }

func (f *fatal) Error() string { return f.msg }

func fail(format string, args ...any) error {
	return &fatal{msg: fmt.Sprintf(format, args...)}
}

// Main runs postqueue with the process's environment.
func Main() {
	os.Exit(Run(Env{Args: os.Args, Stdout: os.Stdout, Stderr: os.Stderr,
		UID: os.Getuid(), EUID: os.Geteuid(), Log: true, Untrusted: config.Unsafe()}))
}

// Run runs postqueue and returns the exit status.
func Run(env Env) int {
	c := &cmd{env: env}
	err := c.run()
	var f *fatal
	switch {
	case err == nil:
		return 0
	case errors.As(err, &f):
		c.fatal(f.msg)
		return exUnavailable
	}
	c.fatal(err.Error())
	return exUnavailable
}

type cmd struct {
	env Env
	cfg *config.Config
}

func (c *cmd) fatal(msg string) {
	fmt.Fprintf(c.env.Stderr, "postqueue: fatal: %s\n", msg)
	if l := maillog.Default(); c.env.Log && l != nil {
		l.Log(maillog.LevelFatal, msg) // the record only; Run returns the status
	}
}

// loadConfig reads main.cf from dir; when the command runs set-group-ID
// a non-default dir must be authorized (mail_conf_suck()).
func (c *cmd) loadConfig(dir string) (*config.Config, error) {
	if dir != config.DefaultConfigDirectory && c.env.Untrusted {
		err := config.CheckSetgidConfigDir(dir)
		var ue *config.UnauthorizedDirError
		if errors.As(err, &ue) {
			c.errorf("%s", ue.Complaint())
		}
		if err != nil {
			return nil, fail("%s", err)
		}
	}
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, fail("%s", err)
	}
	return cfg, nil
}

// errorf prints an error that is not fatal yet (msg_error).
func (c *cmd) errorf(format string, args ...any) {
	fmt.Fprintf(c.env.Stderr, "postqueue: error: %s\n", fmt.Sprintf(format, args...))
}

func (c *cmd) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(c.env.Stderr, "postqueue: warning: %s\n", msg)
	if l := maillog.Default(); c.env.Log && l != nil {
		l.Log(maillog.LevelWarn, msg)
	}
}

const usage = "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site"

// mode is what the command was asked to do.
type mode struct {
	op  byte // f, i, j, p, s
	arg string
}

func (c *cmd) run() error {
	m, dir, err := parseArgs(c.env.Args)
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig(config.ConfigDir(dir))
	if err != nil {
		return err
	}
	c.cfg = cfg
	if c.env.Log {
		maillog.Init(cfg, "postqueue")
		if l := maillog.Default(); l != nil {
			l.SetEcho(false)
		}
	}
	switch m.op {
	case 'p', 'j':
		return c.showQueue(m.op)
	case 'f':
		return c.flushQueue()
	case 'i':
		return c.flushFile(m.arg)
	case 's':
		return c.flushSite(m.arg)
	}
	return fail(usage)
}

// parseArgs reads "c:fi:jps:v"; exactly one mode.
func parseArgs(args []string) (mode, string, error) {
	var m mode
	dir := ""
	if len(args) == 0 {
		return m, "", fail(usage)
	}
	opts, rest, err := getopt.Parse(args[1:], "c:fi:jps:v")
	if err != nil {
		return m, "", fail(usage)
	}
	for _, o := range opts {
		switch o.C {
		case 'v':
		case 'c':
			dir = o.Arg
		default:
			if m.op != 0 {
				return m, "", fail(usage)
			}
			m = mode{op: o.C, arg: o.Arg}
		}
	}
	if len(rest) > 0 || m.op == 0 {
		return m, "", fail(usage)
	}
	return m, dir, nil
}

// errnoText is strerror(3) text for %m.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
