// Package control is the postfix(1) command: Postfix's postfix.c and
// postfix-script in one Go program. It starts, stops and reloads the
// master, reports its status, and checks and repairs the ownership and
// modes of the queue and data directories.
//
//	postfix [-c config_dir] [-Dv] command
//
// Commands: start, start-fg, stop, abort, reload, status, check, flush,
// set-permissions, logrotate. Every command first validates main.cf as
// Postfix's mail_params_init() does (params.go): a bad value of a global
// parameter (default_process_limit = abc) or an unusable mail_owner is
// fatal with Postfix's message. check and start also run
// $command_directory/postconf, whose warnings name unused and undefined
// parameters, and warn about a bad value of any other parameter that
// main.cf sets. Messages are postfix-script's, logged as
// $syslog_name/postfix-script (and written to stderr when it is a
// terminal, as postlog(1) does): "starting the Postfix mail system",
// "fatal: the Postfix mail system is already running", ...
//
// Parameters read: config_directory, command_directory,
// daemon_directory, queue_directory, data_directory, meta_directory,
// mail_owner, setgid_group, maillog_file and its rotation parameters,
// import_environment, compatibility_level, syslog_name.
//
// XXX: Postfix refuses to run this command as anyone but root; Postern
// runs it unprivileged too (development, tests), with the same results
// except for ownership changes, which are skipped.
package control

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// cmd is one run of the postfix command.
type cmd struct {
	cfg     *config.Config
	dir     string // config_directory
	qdir    string // queue_directory
	script  *maillog.Logger
	verbose bool
	root    bool
}

// Main runs the postfix command and exits.
func Main(args []string) {
	os.Args[0] = "postfix"
	unix.Umask(022)
	c := &cmd{root: os.Geteuid() == 0}
	rest := c.parseArgs(args)
	c.setup()
	if len(rest) == 0 {
		c.fatal("unknown command: ''. Usage: postfix start (or stop, reload, abort, flush, check, status, set-permissions, upgrade-configuration, logrotate)")
	}
	os.Exit(c.run(rest[0], rest[1:]))
}

func (c *cmd) parseArgs(args []string) []string {
	usage := func() { maillog.Fatal("usage: postfix [-c config_dir] [-Dv] command") }
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		a := args[0]
		args = args[1:]
		if a == "--" {
			break
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'c':
				dir := a[j+1:]
				if dir == "" {
					if len(args) == 0 {
						usage()
					}
					dir, args = args[0], args[1:]
				}
				if !strings.HasPrefix(dir, "/") {
					maillog.Fatal("-c requires absolute pathname")
				}
				os.Setenv("MAIL_CONFIG", dir)
				j = len(a)
			case 'D':
				os.Setenv("MAIL_DEBUG", "")
			case 'v':
				c.verbose = true
				maillog.SetVerbose(maillog.Verbose() + 1)
				os.Setenv("MAIL_VERBOSE", "")
			default:
				usage()
			}
		}
	}
	return args
}

// setup reads main.cf, cleans the environment and opens both loggers,
// as postfix.c does before it runs postfix-script.
func (c *cmd) setup() {
	cfg, err := config.Load(config.ConfigDir(""))
	if err != nil {
		maillog.Fatal("%v", err)
	}
	if err := checkParams(cfg, c.root); err != nil {
		maillog.Fatal("%v", err)
	}
	c.cfg, c.dir, c.qdir = cfg, cfg.Dir, cfg.Get("queue_directory")
	cleanEnv(cfg)
	maillog.Init(cfg, "postfix")
	maillog.Default().SetTag("postfix") // postfix.c logs as argv[0], not mail_task()
	c.compatWarning()
	os.Setenv("PATH", "/bin:/usr/bin:/sbin:/usr/sbin")
	os.Setenv("MAIL_CONFIG", c.dir)
	for _, name := range []string{"command_directory", "daemon_directory", "queue_directory"} {
		if err := os.Chdir(cfg.Get(name)); err != nil {
			maillog.Fatal("chdir(%s): %s", cfg.Get(name), strerror(err))
		}
	}
	l, err := maillog.New(cfg, "postfix-script")
	if err != nil {
		maillog.Fatal("%v", err)
	}
	l.SetStderrTag(l.Tag())
	c.script = l
}

// cleanEnv keeps only $import_environment (util/clean_env.c).
func cleanEnv(cfg *config.Config) {
	keep := map[string]string{}
	for _, item := range config.SplitList(cfg.Get("import_environment")) {
		if name, val, ok := strings.Cut(item, "="); ok {
			keep[name] = val
		} else if v, ok := os.LookupEnv(item); ok {
			keep[item] = v
		}
	}
	os.Clearenv()
	for k, v := range keep {
		os.Setenv(k, v)
	}
}

// compatWarning is postfix.c's reminder that backwards-compatible
// defaults are in effect (compatibility_level below 3.6).
func (c *cmd) compatWarning() {
	if !compatBelow(c.cfg.Get("compatibility_level"), "3.6") {
		return
	}
	maillog.Info("Postfix is using backwards-compatible default settings")
	maillog.Info("See http://www.postfix.org/COMPATIBILITY_README.html for details")
	maillog.Info("To disable backwards compatibility use \"postconf compatibility_level=3.6\" and \"postfix reload\"")
}

// path returns a directory parameter's value joined with name.
func (c *cmd) path(param, name string) string {
	return filepath.Join(c.cfg.Get(param), name)
}

func (c *cmd) info(format string, args ...any) { c.script.Info(format, args...) }
func (c *cmd) warn(format string, args ...any) { c.script.Warn(format, args...) }

// fatal logs a postfix-script fatal message and exits with status 1.
func (c *cmd) fatal(format string, args ...any) {
	if c.script == nil {
		maillog.Fatal(format, args...)
	}
	c.script.Fatal(format, args...)
}
