// Package postsuper is Postfix's postsuper(1), the superuser's queue
// maintenance command:
//
//	postsuper [-psSv] [-c config_dir] [-d queue_id] [-e queue_id] [-f queue_id]
//	          [-h queue_id] [-H queue_id] [-r queue_id] [queue ...]
//
//	-d ID  delete the message and its defer/bounce/trace logs ("ID: removed")
//	-h ID  put on hold: incoming/active/deferred → hold ("ID: placed on hold")
//	-H ID  release from hold: hold → deferred ("ID: released from hold")
//	-r ID  requeue: → maildrop, where pickup and cleanup process it again
//	       ("ID: requeued"); the time stamp is reset
//	-e ID  force expiry (mode g+x): qmgr returns it to the sender at its
//	       next attempt ("ID: expired")
//	-f ID  like -e, and release it from hold
//	-p     remove temporary files older than 7 days left by crashes
//	-s     structure check: files moved to the right hash subdirectory,
//	       unneeded subdirectories removed, short queue IDs renamed to
//	       match the file's inode number (two passes, via NAME#FIX)
//	-S     -s, and long queue IDs must match their inode number as well
//
// ID "ALL" (upper case) applies the operation to every message, "-"
// reads IDs from standard input, one per line. Trailing arguments name
// the queues to work on; the default is hold, incoming, active, deferred
// (and maildrop for -d), and for -s/-p every message and log directory.
// Without options postsuper does -s and -p. Repair (-s, -S, -p) runs
// first, then the other operations in command-line order; after names
// changed to match inode numbers, operations by queue ID are refused
// ("QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS").
//
// Per-message lines and the summaries ("Deleted: N messages", "Placed on
// hold: 1 message", ...) go to stderr as "postsuper: ..." and to the mail
// log. Only root may run it; file operations are done as $mail_owner.
//
// Parameters read: queue_directory, hash_queue_names, hash_queue_depth,
// enable_long_queue_ids, mail_owner, import_environment.
package postsuper

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/getopt"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
)

// Env is the command's process environment; tests run it in-process.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stderr io.Writer
	UID    int
	EUID   int
	// DropPrivileges becomes $mail_owner before touching the queue, as
	// Postfix's set_ugid(); tests run without it.
	DropPrivileges func(cfg *config.Config) error
	Log            bool // also log to the mail log
}

// Main runs postsuper with the process's environment.
func Main() {
	os.Exit(Run(Env{Args: os.Args, Stdin: os.Stdin, Stderr: os.Stderr,
		UID: os.Getuid(), EUID: os.Geteuid(), DropPrivileges: becomeMailOwner, Log: true}))
}

type fatalErr string

func (e fatalErr) Error() string { return string(e) }

func fatalf(format string, args ...any) error { return fatalErr(fmt.Sprintf(format, args...)) }

// Run runs postsuper and returns the exit status.
func Run(env Env) int {
	p := &prog{env: env}
	err := p.run()
	if err == nil {
		return 0
	}
	var fe fatalErr
	if !errors.As(err, &fe) {
		fe = fatalErr(err.Error())
	}
	p.say(maillog.LevelFatal, string(fe))
	return 1
}

// prog is one run.
type prog struct {
	env     Env
	cfg     *config.Config
	l       *queue.Layout
	counts  counts
	actions int
}

type counts struct {
	requeued, held, released, deleted, expired, inodeFixed, inodeMismatch, positionMismatch int
}

var levelPrefix = map[maillog.Level]string{maillog.LevelWarn: "warning: ", maillog.LevelError: "error: ", maillog.LevelFatal: "fatal: "}

// say writes "postsuper: [level: ]text" to stderr and the log.
func (p *prog) say(level maillog.Level, text string) {
	fmt.Fprintf(p.env.Stderr, "postsuper: %s%s\n", levelPrefix[level], text)
	if l := maillog.Default(); p.env.Log && l != nil {
		l.Log(level, text)
	}
}

func (p *prog) info(format string, args ...any) {
	p.say(maillog.LevelInfo, fmt.Sprintf(format, args...))
}

func (p *prog) warn(format string, args ...any) {
	p.say(maillog.LevelWarn, fmt.Sprintf(format, args...))
}

const usage = "usage: postsuper [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)] " +
	"[-f queue_id (expire and/or un-hold)] [-h queue_id (hold)] [-H queue_id (un-hold)] " +
	"[-p (purge temporary files)] [-r queue_id (requeue)] [-s (structure fix)] " +
	"[-S (redundant structure fix)][-v (verbose)] [queue...]"

func (p *prog) run() error {
	if p.env.UID != p.env.EUID {
		return fatalf("this postfix command must not run as a set-uid process")
	}
	if p.env.UID != 0 {
		return fatalf("use of this command is reserved for the superuser")
	}
	opts, queues, err := p.parse()
	if err != nil {
		return err
	}
	if err := p.setup(opts); err != nil {
		return err
	}
	return p.execute(opts, queues)
}

// parse reads "c:d:e:f:h:H:pr:sSv" (GETOPT: options stop at the first
// operand) and returns the options and the queue operands.
func (p *prog) parse() ([]getopt.Opt, []string, error) {
	opts, queues, err := getopt.Parse(p.env.Args[1:], "c:d:e:f:h:H:pr:sSv")
	if err != nil {
		fmt.Fprintf(p.env.Stderr, "postsuper: %s\n", err)
		return nil, nil, fatalf("%s", usage)
	}
	return opts, queues, nil
}

// setup reads main.cf (-c must be absolute), starts logging, enters the
// queue directory and drops privileges.
func (p *prog) setup(opts []getopt.Opt) error {
	dir := ""
	for _, o := range opts {
		if o.C == 'c' {
			if !filepath.IsAbs(o.Arg) {
				return fatalf("-c requires absolute pathname")
			}
			dir = o.Arg
		}
	}
	cfg, err := config.Load(config.ConfigDir(dir))
	if err != nil {
		return fatalf("%v", err)
	}
	p.cfg = cfg
	if p.env.Log {
		maillog.Init(cfg, "postsuper")
		if l := maillog.Default(); l != nil {
			l.SetEcho(false)
		}
	}
	if p.l, err = queue.NewLayout(cfg); err != nil {
		return fatalf("%v", err)
	}
	if err := os.Chdir(p.l.Dir); err != nil {
		return fatalf("chdir %s: %v", p.l.Dir, errnoText(err))
	}
	if p.env.DropPrivileges != nil {
		if err := p.env.DropPrivileges(cfg); err != nil {
			return fatalf("%v", err)
		}
	}
	return nil
}
