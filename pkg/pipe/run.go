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
	"unicode/utf8"

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
		return failure("4.3.0", "Delivery failed: "+errText(err), "")
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		stdin.Close()
		return failure("4.3.0", "Delivery failed: "+errText(err), "")
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
	go capture(outR, deadline, output)
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
		why = errText(errno)
	}
	if errors.As(err, &pe) && pe.Op == "chdir" {
		return printable(fmt.Sprintf("%s: fatal: cannot change directory to \"%s\" for uid=%d gid=%d: %s\n",
			c.program, c.dir, c.cred.UID, c.cred.GID, why))
	}
	return printable(fmt.Sprintf("%s: fatal: pipe_command: execvp %s: %s\n", c.program, c.argv[0], why))
}

// capture keeps the first outputLimit bytes of the command's output and
// discards the rest until the command closes it, or until the deadline
// (a background process may keep the output open).
func capture(r *os.File, deadline time.Time, out chan<- string) {
	defer r.Close()
	r.SetReadDeadline(deadline)
	buf, _ := io.ReadAll(io.LimitReader(r, outputLimit))
	io.Copy(io.Discard, r)
	out <- printable(string(buf))
}

// wait waits for the command within the time limit (pipe_command's
// parent half) and maps how it ended to an outcome.
func (c *command) wait(ctx context.Context, privs *mailbox.Privs, cmd *exec.Cmd, deadline time.Time,
	output <-chan string, werr error) outcome {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	timedOut := errors.Is(werr, os.ErrDeadlineExceeded)
	if !timedOut {
		select {
		case <-done:
			done <- nil
		case <-timer.C:
			timedOut = true
		case <-ctx.Done():
			timedOut = true
		}
	}
	if timedOut {
		privs.Kill(cmd.Process.Pid, syscall.SIGKILL)
	}
	<-done
	out := <-output
	if timedOut {
		return failureOut("5.3.0", fmt.Sprintf("Command time limit exceeded: \"%s\"%s", c.argv[0], withOutput(out)),
			out, "internal software error")
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		return failureOut("4.3.0", fmt.Sprintf("Command died with signal %d: \"%s\"%s", int(ws.Signal()),
			c.argv[0], withOutput(out)), out, "internal software error")
	case ws.ExitStatus() != 0:
		return c.exitOutcome(ws.ExitStatus(), out)
	case werr != nil && !errors.Is(werr, syscall.EPIPE):
		return c.writeFailure(werr)
	}
	return outcome{ok: true, output: out}
}

// exitOutcome interprets a non-zero exit status with the output.
func (c *command) exitOutcome(code int, out string) outcome {
	if deliver.ValidStatus(out) > 0 {
		status, text := deliver.SplitStatus("5.3.0", out)
		return failureOut(status, text, text, text)
	}
	if d, ok := sysExits[code]; ok {
		return failureOut(d.dsn, d.text+withOutput(out), out, d.text)
	}
	return failureOut("5.3.0", fmt.Sprintf("Command died with status %d: \"%s\"%s", code, c.argv[0], withOutput(out)),
		out, fmt.Sprintf("unknown mail system error %d", code))
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
	text := fmt.Sprintf("%s: %s", what, errText(err))
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

func withOutput(out string) string {
	if out == "" {
		return ""
	}
	return ". Command output: " + out
}

// printable turns tabs and newlines into spaces and other
// non-printable characters into "_" (translit() and printable()).
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\t' || r == '\n':
			b.WriteByte(' ')
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7f:
			b.WriteByte('_')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// sysExits are the <sysexits.h> codes (global/sys_exits.c).
var sysExits = map[int]struct{ dsn, text string }{
	64: {"5.3.0", "command line usage error"},
	65: {"5.6.0", "data format error"},
	66: {"5.3.0", "cannot open input"},
	67: {"5.1.1", "user unknown"},
	68: {"5.1.2", "host name unknown"},
	69: {"5.3.0", "service unavailable"},
	70: {"5.3.0", "internal software error"},
	71: {"4.3.0", "system resource problem"},
	72: {"5.3.0", "critical OS file missing"},
	73: {"5.2.0", "can't create user output file"},
	74: {"5.3.0", "input/output error"},
	75: {"4.3.0", "temporary failure"},
	76: {"5.5.0", "remote error in protocol"},
	77: {"5.7.0", "permission denied"},
	78: {"5.3.5", "local configuration error"},
}

// errText is strerror(3) text, as Postfix's %m prints it.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
