package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict/mapcmd"
)

// run does what the mode asks; everything but enqueueing and -bs is
// another Postfix program's job, as in Postfix.
func (o *smOptions) run(r *submit.Reporter, cfg *config.Config, env Env) error {
	noOperands := func(what string) error {
		if len(o.operands) > 0 {
			return submit.Fatalf(submit.ExUsage, "%s requires no recipient", what)
		}
		return nil
	}
	switch o.mode {
	case modeEnqueue:
		return o.enqueueMode(r, cfg, env, noOperands)
	case modeMailq:
		if err := noOperands("display queue mode"); err != nil {
			return err
		}
		return runReplace(cfg, o.withVerbose("postqueue", "-p"))
	case modeFlushQ:
		if err := noOperands("flush queue mode"); err != nil {
			return err
		}
		return runReplace(cfg, o.withVerbose("postqueue", "-f"))
	case modeDaemon:
		if err := noOperands("daemon mode"); err != nil {
			return err
		}
		return runBackground(r, cfg, append(o.withVerbose("postfix"), "start"))
	case modeNewAlias:
		if err := noOperands("alias initialization mode"); err != nil {
			return err
		}
		return o.newaliases(cfg, env)
	case modeUser:
		if err := noOperands("stand-alone mode"); err != nil {
			return err
		}
		if err := submit.CheckSubmitACL(cfg, submit.ExNoPerm); err != nil {
			return err
		}
		return standalone(r, cfg, env, o.verbose)
	}
	return nil // modeIgnore
}

func (o *smOptions) enqueueMode(r *submit.Reporter, cfg *config.Config, env Env, noOperands func(string) error) error {
	switch {
	case o.site != "":
		if err := noOperands("flush site"); err != nil {
			return err
		}
		return runReplace(cfg, o.withVerbose("postqueue", "-s", o.site))
	case o.id != "":
		if err := noOperands("flush queue_id"); err != nil {
			return err
		}
		return runReplace(cfg, o.withVerbose("postqueue", "-i", o.id))
	}
	return o.enqueue(r, cfg, env)
}

// withVerbose is argv plus one -v per -v given.
func (o *smOptions) withVerbose(argv ...string) []string {
	for i := 0; i < o.verbose; i++ {
		argv = append(argv, "-v")
	}
	return argv
}

// runReplace executes $command_directory/argv[0] in place of this
// process (mail_run_replace()).
func runReplace(cfg *config.Config, argv []string) error {
	path := filepath.Join(cfg.Get("command_directory"), argv[0])
	err := syscall.Exec(path, argv, os.Environ())
	return submit.Fatalf(submit.ExUnavailable, "execv %s: %s", path, submit.Strerror(err))
}

// runBackground starts $command_directory/argv[0] without waiting for
// it (mail_run_background()).
func runBackground(r *submit.Reporter, cfg *config.Config, argv []string) error {
	path := filepath.Join(cfg.Get("command_directory"), argv[0])
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		r.EmitFatal("execvp %s: %s", path, submit.Strerror(err))
		return submit.ExitStatus(1)
	}
	return nil
}

// newaliases runs postalias on -oA's table or on $alias_database, as
// Postfix's sendmail runs "postalias -- TABLE...". Nothing to do is
// success.
func (o *smOptions) newaliases(cfg *config.Config, env Env) error {
	menv := mapcmd.Env{Args: []string{"postalias"}, Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr}
	if o.aliasMap != "" {
		menv.Args = append(o.withVerbose("postalias"), "--", o.aliasMap)
		return submit.ExitStatus(mapcmd.Postalias(menv))
	}
	if strings.TrimSpace(cfg.Get("alias_database")) == "" {
		return nil
	}
	return submit.ExitStatus(mapcmd.Newaliases(menv, ""))
}
