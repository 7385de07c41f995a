package mailbox

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/postern/postern/pkg/deliver"
)

// This file holds what local(8) and pipe(8) share when they run a
// delivery command (global/pipe_command.c): capturing its output,
// waiting for it within the time limit and mapping its exit status.

// CaptureOutput keeps the first limit bytes of a command's output and
// discards the rest until the command closes it, or until the deadline
// when it is not zero (a background process may keep the output open).
// The kept output is sent on out, made Printable.
func CaptureOutput(r *os.File, limit int, deadline time.Time, out chan<- string) {
	defer r.Close()
	if !deadline.IsZero() {
		r.SetReadDeadline(deadline)
	}
	buf, _ := io.ReadAll(io.LimitReader(r, int64(limit)))
	io.Copy(io.Discard, r)
	out <- Printable(string(buf))
}

// WaitCommand waits for a started command until the deadline or until
// ctx ends, and kills its process group when the time runs out or when
// timedOut is already true (writing the message hit the deadline). It
// returns whether the time limit was exceeded; cmd.ProcessState is set
// either way.
func (p *Privs) WaitCommand(ctx context.Context, cmd *exec.Cmd, deadline time.Time, timedOut bool) bool {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
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
		p.Kill(cmd.Process.Pid, syscall.SIGKILL)
	}
	<-done
	return timedOut
}

// CommandExit interprets a command's non-zero exit status with its
// output: output that starts with an RFC 3463 status gives the status;
// a <sysexits.h> status gives its status and text; any other status
// bounces. It returns the DSN status, the reason, and the x-unix
// diagnostic (the output, or the default text when there is none).
func CommandExit(command string, code int, out string) (status, reason, diag string) {
	if deliver.ValidStatus(out) > 0 {
		status, text := deliver.SplitStatus("5.3.0", out)
		return status, text, text
	}
	if d, ok := sysExits[code]; ok {
		return d.dsn, d.text + CommandOutput(out), OutputOr(out, d.text)
	}
	return "5.3.0", fmt.Sprintf("Command died with status %d: \"%s\"%s", code, command, CommandOutput(out)),
		OutputOr(out, fmt.Sprintf("unknown mail system error %d", code))
}

// OutputOr is the command output, or def when there is none.
func OutputOr(out, def string) string {
	if out == "" {
		return def
	}
	return out
}

// CommandOutput is the ". Command output: OUT" suffix of a reason, or
// "" when the command printed nothing.
func CommandOutput(out string) string {
	if out == "" {
		return ""
	}
	return ". Command output: " + out
}

// Printable turns tabs and newlines into spaces and other
// non-printable characters into "_" (translit() and printable()).
func Printable(s string) string {
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
