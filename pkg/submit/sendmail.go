package submit

import (
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
	r := &reporter{tag: name, stderr: env.Stderr}
	err := sendmail(r, env, name)
	var fe *fatalError
	if errors.As(err, &fe) {
		fe.status = exTempFail
	}
	return r.finish(err)
}

func sendmail(r *reporter, env Env, name string) error {
	dropSetuid(r)
	if err := configPrescan(r, env.Args); err != nil {
		return err
	}
	cfg, err := loadConfig(r, exTempFail)
	if err != nil {
		return err
	}
	updateEnv(cfg.Get("import_environment"))
	r.initLog(cfg, "sendmail")
	qdir := cfg.Get("queue_directory")
	if err := os.Chdir(qdir); err != nil {
		return fatalf(exUnavailable, "chdir %s: %s", qdir, strerror(err))
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
		return fatalf(exUsage, "-t can be used only in delivery mode")
	case o.site != "" && o.mode != modeEnqueue:
		return fatalf(exUsage, "-qR can be used only in delivery mode")
	case o.id != "" && o.mode != modeEnqueue:
		return fatalf(exUsage, "-qI can be used only in delivery mode")
	case !o.userVerify:
		return nil
	case o.extract:
		return fatalf(exUsage, "-t option cannot be used with -bv")
	case o.notify != 0:
		return fatalf(exUsage, "-N option cannot be used with -bv")
	case o.ret != "":
		return fatalf(exUsage, "-R option cannot be used with -bv")
	case o.verbose == 1:
		return fatalf(exUsage, "-v option cannot be used with -bv")
	}
	return nil
}

// dropSetuid gives up a set-user-ID root installation, with Postfix's
// warnings.
func dropSetuid(r *reporter) {
	if os.Geteuid() != 0 || os.Getuid() == 0 {
		return
	}
	r.warn("the Postfix sendmail command has set-uid root file permissions")
	r.warn("or the command is run from a set-uid root process")
	r.warn("the Postfix sendmail command must be installed without set-uid root file permissions")
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
