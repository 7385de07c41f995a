package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// Env is a command's process environment.
type Env struct {
	Args   []string // Args[0]: the name the program was started as
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Sendmail is sendmail(1), also started as mailq(1) and newaliases(1):
// the program name picks the default mode. It returns the exit status.
//
// As Postfix 3.7's sendmail, every fatal error exits with status 75
// (EX_TEMPFAIL): its run-time error handler exits before the status the
// message was meant to have.
func Sendmail(env Env) int {
	name := filepath.Base(env.Args[0])
	r := &submit.Reporter{Tag: name, Stderr: env.Stderr}
	err := sendmail(r, env, name)
	var fe *submit.FatalError
	if errors.As(err, &fe) {
		fe.Status = submit.ExTempFail
	}
	return r.Finish(err)
}

func sendmail(r *submit.Reporter, env Env, name string) error {
	dropSetuid(r)
	if err := configPrescan(r, env.Args); err != nil {
		return err
	}
	cfg, err := submit.LoadConfig(r, submit.ExTempFail)
	if err != nil {
		return err
	}
	updateEnv(cfg.Get("import_environment"))
	r.InitLog(cfg, "sendmail")
	qdir := cfg.Get("queue_directory")
	if err := os.Chdir(qdir); err != nil {
		return submit.Fatalf(submit.ExUnavailable, "chdir %s: %s", qdir, submit.Strerror(err))
	}
	o, err := parseOptions(r, cfg, env.Args, modeFor(name))
	if err != nil {
		return err
	}
	maillog.SetVerbose(o.verbose)
	if err := o.conflicts(); err != nil {
		return err
	}
	if o.verbose == 1 && o.mode == modeEnqueue {
		// One -v asks for a delivery report, more for verbose logging.
		o.verbose = 0
		o.record = true
	}
	if o.qtime != "" && o.mode != modeDaemon {
		return nil
	}
	return o.run(r, cfg, env)
}

// modeFor is the mode a program name implies.
func modeFor(name string) int {
	switch name {
	case "mailq":
		return modeMailq
	case "newaliases":
		return modeNewAlias
	case "smtpd":
		return modeDaemon
	}
	return modeEnqueue
}

// conflicts rejects option combinations as Postfix does.
func (o *smOptions) conflicts() error {
	switch {
	case o.extract && o.mode != modeEnqueue:
		return submit.Fatalf(submit.ExUsage, "-t can be used only in delivery mode")
	case o.site != "" && o.mode != modeEnqueue:
		return submit.Fatalf(submit.ExUsage, "-qR can be used only in delivery mode")
	case o.id != "" && o.mode != modeEnqueue:
		return submit.Fatalf(submit.ExUsage, "-qI can be used only in delivery mode")
	case !o.userVerify:
		return nil
	case o.extract:
		return submit.Fatalf(submit.ExUsage, "-t option cannot be used with -bv")
	case o.notify != 0:
		return submit.Fatalf(submit.ExUsage, "-N option cannot be used with -bv")
	case o.ret != "":
		return submit.Fatalf(submit.ExUsage, "-R option cannot be used with -bv")
	case o.verbose == 1:
		return submit.Fatalf(submit.ExUsage, "-v option cannot be used with -bv")
	}
	return nil
}

// dropSetuid gives up a set-user-ID root installation, with Postfix's
// warnings.
func dropSetuid(r *submit.Reporter) {
	if os.Geteuid() != 0 || os.Getuid() == 0 {
		return
	}
	r.Warn("the Postfix sendmail command has set-uid root file permissions")
	r.Warn("or the command is run from a set-uid root process")
	r.Warn("the Postfix sendmail command must be installed without set-uid root file permissions")
	syscall.Setgid(os.Getgid())
	syscall.Setuid(os.Getuid())
}

// updateEnv applies the name=value settings of import_environment
// (update_env()).
func updateEnv(importEnv string) {
	for _, e := range config.SplitList(importEnv) {
		if name, value, ok := strings.Cut(e, "="); ok {
			os.Setenv(name, value)
		}
	}
}
