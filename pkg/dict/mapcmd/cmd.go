// Package mapcmd implements the postmap(1) and postalias(1) commands
// (and newaliases) on top of pkg/dict; cmd/postmap and cmd/postalias
// are thin wrappers around Postmap and Postalias.
//
// Parameters read (main.cf from -c dir, $MAIL_CONFIG or the default
// directory): default_database_type, smtputf8_enable, alias_database
// (newaliases), myhostname (postalias YP_MASTER_NAME), proxy_read_maps
// (proxy: tables).
package mapcmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// Env is a command's process environment, so that tests can run the
// commands in-process.
type Env struct {
	Args   []string // Args[0] is the program name
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// fatalError ends the command with "prog: fatal: msg" and exit 1.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

func fatalf(format string, args ...any) error {
	return &fatalError{fmt.Sprintf(format, args...)}
}

// exitCode is returned through an error to exit with a status quietly.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// run executes body and turns its error into the exit status.
func run(env Env, body func(p *prog) error) int {
	p := &prog{env: env, name: progName(env.Args)}
	err := body(p)
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	}
	fmt.Fprintf(env.Stderr, "%s: fatal: %s\n", p.name, errText(err))
	return 1
}

type prog struct {
	env  Env
	name string
	cfg  *config.Config
}

func progName(args []string) string {
	if len(args) == 0 {
		return "postmap"
	}
	n := args[0]
	if i := strings.LastIndexByte(n, '/'); i >= 0 && i+1 < len(n) {
		n = n[i+1:]
	}
	return n
}

func (p *prog) warn(msg string) {
	fmt.Fprintf(p.env.Stderr, "%s: warning: %s\n", p.name, msg)
}

func (p *prog) warnf(format string, args ...any) { p.warn(fmt.Sprintf(format, args...)) }

// loadConfig reads main.cf as Postfix's mail_conf_read() does.
func (p *prog) loadConfig(dir string) error {
	cfg, err := config.Load(config.ConfigDir(dir))
	if err != nil {
		return fatalf("%s", errText(err))
	}
	p.cfg = cfg
	return nil
}

// errText renders an error with C-style errno words ("No such file or
// directory") as Postfix's %m does.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := err.Error()
		e := errno.Error()
		if i := strings.LastIndex(s, e); i >= 0 && e != "" {
			return s[:i] + strings.ToUpper(e[:1]) + e[1:] + s[i+len(e):]
		}
	}
	return err.Error()
}

// splitSpec splits "type:name"; without a type the default is used.
func (p *prog) splitSpec(arg string) (typ, name string) {
	if t, n, ok := strings.Cut(arg, ":"); ok {
		return t, n
	}
	t := p.cfg.Get("default_database_type")
	if t == "" {
		t = "hash"
	}
	return t, arg
}

func (p *prog) openOpts(flags dict.Flags) dict.Options {
	return dict.Options{Flags: flags, Param: p.cfg.Get, Warn: p.warn}
}

// open opens a table for reading; a failure is fatal as in dict_open().
func (p *prog) open(typ, name string, flags dict.Flags) (dict.Dict, error) {
	d, err := dict.Open(typ+":"+name, p.openOpts(flags))
	if err != nil {
		return nil, fatalf("%s", errText(err))
	}
	return d, nil
}

func utf8Enabled(cfg *config.Config) bool {
	b, err := cfg.Bool("smtputf8_enable")
	return err == nil && b
}

// stdinOr returns env.Stdin, or an empty reader.
func (p *prog) stdin() io.Reader {
	if p.env.Stdin == nil {
		return strings.NewReader("")
	}
	return p.env.Stdin
}

// Main runs a command with the process's real environment.
func Main(cmd func(Env) int) {
	os.Exit(cmd(Env{Args: os.Args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
