package pipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
)

// defaultPath is _PATH_DEFPATH, the PATH every command gets.
const defaultPath = "/usr/bin:/bin"

// outputLimit is how much command output is kept (VSTREAM_BUFSIZE).
const outputLimit = 4096

// exTempFail is EX_TEMPFAIL, the exit status of a child that could not
// run its command.
const exTempFail = 75

// command is one command run (pipe_command()'s arguments).
type command struct {
	argv    []string
	cred    mailbox.Cred
	dir     string
	chroot  string
	env     []string
	timeout time.Duration
	program string // "pipe", for the child's fatal messages
}

// outcome is what pipe_command() returns: ok, or a DSN whose class digit
// says defer (4) or bounce (5), and the command output.
type outcome struct {
	ok     bool
	dsn    deliver.DSN
	output string
}

// run pipes the message into the command and interprets how it ended.
// write copies the message into the command's standard input.
func run(ctx context.Context, privs *mailbox.Privs, c *command, write func(io.Writer) error) outcome {
	cmd := c.build()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return failure("4.3.0", "Delivery failed: "+mailbox.ErrText(err), "")
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		stdin.Close()
		return failure("4.3.0", "Delivery failed: "+mailbox.ErrText(err), "")
	}
	cmd.Stdout, cmd.Stderr = outW, outW
	err = privs.Start(cmd, c.cred)
	outW.Close()
	if err != nil {
		outR.Close()
		stdin.Close()
		return c.exitOutcome(exTempFail, c.startFailure(err))
	}
	output := make(chan string, 1)
	deadline := time.Now().Add(c.timeout)
	go mailbox.CaptureOutput(outR, outputLimit, deadline, output)
	if f, ok := stdin.(interface{ SetWriteDeadline(time.Time) error }); ok {
		f.SetWriteDeadline(deadline)
	}
	werr := write(stdin)
	stdin.Close()
	return c.wait(ctx, privs, cmd, deadline, output, werr)
}

// build makes the exec.Cmd: the program is found as execvp(3) finds it
// with PATH=/usr/bin:/bin, inside the chroot directory when there is one.
func (c *command) build() *exec.Cmd {
	path := c.argv[0]
	if !strings.Contains(path, "/") {
		for _, dir := range filepath.SplitList(defaultPath) {
			p := filepath.Join(dir, path)
			if st, err := os.Stat(filepath.Join(c.chroot, p)); err == nil && st.Mode().IsRegular() {
				path = p
				break
			}
		}
	}
	attr := &syscall.SysProcAttr{Setsid: true, Chroot: c.chroot}
	return &exec.Cmd{Path: path, Args: c.argv, Env: c.env, Dir: c.dir, SysProcAttr: attr}
}

// startFailure is the output of a child that could not start its
// command: Postfix's child logs a fatal message to its standard error
// and exits with EX_TEMPFAIL.
func (c *command) startFailure(err error) string {
	var pe *fs.PathError
	why := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		why = mailbox.ErrText(errno)
	}
	if errors.As(err, &pe) && pe.Op == "chdir" {
		return mailbox.Printable(fmt.Sprintf("%s: fatal: cannot change directory to \"%s\" for uid=%d gid=%d: %s\n",
			c.program, c.dir, c.cred.UID, c.cred.GID, why))
	}
	return mailbox.Printable(fmt.Sprintf("%s: fatal: pipe_command: execvp %s: %s\n", c.program, c.argv[0], why))
}

// wait waits for the command within the time limit (pipe_command's
// parent half) and maps how it ended to an outcome.
func (c *command) wait(ctx context.Context, privs *mailbox.Privs, cmd *exec.Cmd, deadline time.Time,
	output <-chan string, werr error) outcome {
	timedOut := privs.WaitCommand(ctx, cmd, deadline, errors.Is(werr, os.ErrDeadlineExceeded))
	out := <-output
	if timedOut {
		return failureOut("5.3.0", fmt.Sprintf("Command time limit exceeded: \"%s\"%s", c.argv[0], mailbox.CommandOutput(out)),
			out, "internal software error")
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		return failureOut("4.3.0", fmt.Sprintf("Command died with signal %d: \"%s\"%s", int(ws.Signal()),
			c.argv[0], mailbox.CommandOutput(out)), out, "internal software error")
	case ws.ExitStatus() != 0:
		return c.exitOutcome(ws.ExitStatus(), out)
	case werr != nil && !errors.Is(werr, syscall.EPIPE):
		return c.writeFailure(werr)
	}
	return outcome{ok: true, output: out}
}

// exitOutcome interprets a non-zero exit status with the output.
func (c *command) exitOutcome(code int, out string) outcome {
	status, reason, diag := mailbox.CommandExit(c.argv[0], code, out)
	return outcome{dsn: deliver.DSN{Status: status, Reason: reason, DiagType: "x-unix", DiagText: diag}, output: out}
}

// writeFailure is a failure to copy the message into the command.
func (c *command) writeFailure(err error) outcome {
	var re *readError
	what, status := "error writing message", "5.3.0"
	if errors.As(err, &re) {
		what, err = "error reading message", re.err
	}
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ESTALE) {
		status = "4.3.0"
	}
	text := fmt.Sprintf("%s: %s", what, mailbox.ErrText(err))
	return failureOut(status, fmt.Sprintf("Command failed: %s: \"%s\"", text, c.argv[0]), "", text)
}

func failure(status, reason, out string) outcome {
	return outcome{dsn: deliver.DSN{Status: status, Reason: reason}, output: out}
}

// failureOut is dsb_unix(): the reason, and the output (or a default
// text) as the x-unix diagnostic.
func failureOut(status, reason, out, def string) outcome {
	diag := out
	if diag == "" {
		diag = def
	}
	return outcome{dsn: deliver.DSN{Status: status, Reason: reason, DiagType: "x-unix", DiagText: diag}, output: out}
}
