package local

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

	"github.com/postern/postern/pkg/mailbox"
)

// pipeArgs describe one command delivery (pipe_command()).
type pipeArgs struct {
	command string
	cred    mailbox.Cred
	dir     string   // working directory; "" keeps the agent's
	shell   string   // local_command_shell
	env     []string // NAME=VALUE, later entries win
	prefix  string   // lines before the message
	flags   int      // mailbox.Copy* flags
	timeout time.Duration
}

// pipeResult is a command's outcome: status "" when it succeeded, else
// the DSN status (4.x.x defers, 5.x.x bounces), the text, and the
// diagnostic for the delivery status notice ("x-unix; DIAG": the
// command output, or the <sysexits.h> text when there is none).
type pipeResult struct {
	status, text, diag string
}

// outputLimit is how much command output is kept for the reason
// (VSTREAM_BUFSIZE - 1).
const outputLimit = 4095

// exTempFail is EX_TEMPFAIL, the exit status of a child that could not
// run its command.
const exTempFail = 75

// pipeCommand runs the command in its own session as args.cred with the
// message on its standard input and standard output and error captured,
// and interprets the result as Postfix does: exit status 0 delivers;
// output that starts with an RFC 3463 status gives the status; a
// <sysexits.h> exit status gives its status and text (EX_TEMPFAIL and
// EX_OSERR defer, the others bounce); any other status bounces; a
// signal defers; running past command_time_limit kills the process
// group and bounces.
func (a *Agent) pipeCommand(ctx context.Context, args *pipeArgs, content io.Reader) pipeResult {
	cmd := buildCommand(args)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return pipeResult{"4.3.0", "Delivery failed: " + mailbox.ErrText(err), "system resource problem"}
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return pipeResult{"4.3.0", "Delivery failed: " + mailbox.ErrText(err), "system resource problem"}
	}
	cmd.Stdout, cmd.Stderr = outW, outW
	err = a.runner.Privs.Start(cmd, args.cred)
	outW.Close()
	if err != nil {
		outR.Close()
		stdin.Close()
		return startFailure(args, err)
	}
	output := make(chan string, 1)
	go mailbox.CaptureOutput(outR, outputLimit, time.Time{}, output)
	deadline := time.Now().Add(args.timeout)
	writeErr := writeToCommand(stdin, deadline, args, content)
	return a.waitCommand(ctx, cmd, args, deadline, output, writeErr)
}

// buildCommand chooses how to run the command (exec_command()): with
// local_command_shell when set; directly when it has no shell magic
// characters and its program is found; else with /bin/sh -c.
func buildCommand(args *pipeArgs) *exec.Cmd {
	var argv []string
	if args.shell != "" {
		argv = append(strings.Fields(args.shell), args.command)
	} else if words := directArgv(args.command); words != nil {
		argv = words
	} else {
		argv = []string{"sh", "-c", args.command}
	}
	path := argv[0]
	if argv[0] == "sh" && len(argv) == 3 && argv[1] == "-c" && args.shell == "" {
		path = "/bin/sh"
	} else if !strings.Contains(path, "/") {
		path = searchPath(path)
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Env: args.env, Dir: args.dir,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true}}
	return cmd
}

// shellSafe are the characters of a command that can run without a
// shell, plus space and tab.
const shellSafe = "1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t"

// directArgv splits a command that needs no shell; nil when it does,
// or when its program name is not found (it may be a shell built-in).
func directArgv(command string) []string {
	for i := 0; i < len(command); i++ {
		if strings.IndexByte(shellSafe, command[i]) < 0 {
			return nil
		}
	}
	words := strings.FieldsFunc(command, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(words) == 0 {
		return nil
	}
	if !strings.Contains(words[0], "/") && searchPath(words[0]) == "" {
		return nil
	}
	return words
}

// searchPath finds a program in the default search path, as execvp(3)
// does with PATH=/usr/bin:/bin; "" when it is not there.
func searchPath(name string) string {
	for _, dir := range filepath.SplitList(defaultPath) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// startFailure reports a command that could not be started: the child
// of Postfix's pipe_command() dies with a fatal message and
// EX_TEMPFAIL, so the delivery is deferred with that message as the
// command output.
func startFailure(args *pipeArgs, err error) pipeResult {
	var pe *fs.PathError
	why := err.Error()
	if errors.As(err, &pe) {
		why = fmt.Sprintf("execvp %s: %s", pe.Path, mailbox.ErrText(pe.Err))
		if pe.Op == "chdir" {
			why = fmt.Sprintf("cannot change directory to \"%s\" for uid=%d gid=%d: %s",
				args.dir, args.cred.UID, args.cred.GID, mailbox.ErrText(pe.Err))
		}
	}
	output := mailbox.Printable("local: fatal: " + why + "\n")
	return exitResult(args, exTempFail, output)
}

// writeToCommand copies the message into the command. A command that
// exits without reading it all is not an error (EPIPE).
func writeToCommand(stdin io.WriteCloser, deadline time.Time, args *pipeArgs, content io.Reader) error {
	if f, ok := stdin.(interface{ SetWriteDeadline(time.Time) error }); ok {
		f.SetWriteDeadline(deadline)
	}
	err := mailbox.WriteMessage(stdin, args.prefix, content, args.flags)
	stdin.Close()
	if errors.Is(err, syscall.EPIPE) {
		return nil
	}
	return err
}

// waitCommand waits for the command within the time limit and maps its
// exit to a result.
func (a *Agent) waitCommand(ctx context.Context, cmd *exec.Cmd, args *pipeArgs, deadline time.Time,
	output <-chan string, writeErr error) pipeResult {
	timedOut := a.runner.Privs.WaitCommand(ctx, cmd, deadline, errors.Is(writeErr, os.ErrDeadlineExceeded))
	if timedOut {
		a.warn("pipe_command: child wait time limit exceeded")
	}
	out := <-output
	if timedOut {
		return pipeResult{"5.3.0", fmt.Sprintf("Command time limit exceeded: \"%s\"%s", args.command, mailbox.CommandOutput(out)),
			mailbox.OutputOr(out, "internal software error")}
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		return pipeResult{"4.3.0", fmt.Sprintf("Command died with signal %d: \"%s\"%s", int(ws.Signal()), args.command, mailbox.CommandOutput(out)),
			mailbox.OutputOr(out, "internal software error")}
	case ws.ExitStatus() != 0:
		return exitResult(args, ws.ExitStatus(), out)
	case writeErr != nil:
		status := mailbox.DSNFor(writeErr, "5.3.0")
		return pipeResult{status, fmt.Sprintf("Command failed: error writing message: %s: \"%s\"", mailbox.ErrText(writeErr), args.command),
			"input/output error"}
	}
	return pipeResult{}
}

// exitResult interprets a non-zero exit status with its output.
func exitResult(args *pipeArgs, code int, out string) pipeResult {
	status, text, diag := mailbox.CommandExit(args.command, code, out)
	return pipeResult{status, text, diag}
}
