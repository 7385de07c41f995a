package mailbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Runner starts helper processes (see HelperArg) for the agent.
type Runner struct {
	// Exe is the program started as helper: the agent's own file
	// (os.Executable), not /proc/self/exe, because the kernel names a
	// process after the file it executes: ps, pidof and pgrep -x must
	// see "local" or "virtual", not "exe", as for the master.
	// XXX: a binary replaced in place while the agent runs gives a
	// helper of the new version until the agent exits (max_use,
	// max_idle, postfix reload).
	Exe string
	// Name is argv[0] of the helper (the agent's program name).
	Name string
	// Privs switches privileges; nil when the agent is not root.
	Privs *Privs
}

// NewRunner returns a Runner that starts this program as its helper.
func NewRunner(name string, privs *Privs) *Runner {
	return &Runner{Exe: selfExe(), Name: name, Privs: privs}
}

// selfExe is this program's path; /proc/self/exe when it cannot be
// found (the helper then still runs, only its process name is "exe").
func selfExe() string {
	if p, err := os.Executable(); err == nil {
		return p
	}
	return "/proc/self/exe"
}

// Call runs one helper operation as cred. content (req.Size bytes) is
// the message for OpMbox and OpMaildir, nil otherwise. An error means
// the helper itself failed (could not start, died, spoke nonsense): the
// caller defers the delivery.
func (r *Runner) Call(ctx context.Context, cred Cred, req *Request, content io.Reader) (*Response, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, r.Exe, HelperArg)
	cmd.Args[0] = r.Name
	cmd.Env = helperEnv()
	cmd.Dir = "/"
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := r.Privs.Start(cmd, cred); err != nil {
		return nil, fmt.Errorf("start mailbox helper as uid %d: %w", cred.UID, err)
	}
	go feed(stdin, line, content)
	werr := cmd.Wait()
	var resp Response
	if jerr := json.Unmarshal(stdout.Bytes(), &resp); werr != nil || jerr != nil {
		return nil, fmt.Errorf("mailbox helper (uid %d) failed: %v %s", cred.UID, firstErr(werr, jerr),
			strings.TrimSpace(stderr.String()))
	}
	return &resp, nil
}

// feed writes the request line and the content to the helper.
func feed(w io.WriteCloser, line []byte, content io.Reader) {
	defer w.Close()
	if _, err := w.Write(append(line, '\n')); err != nil {
		return
	}
	if content != nil {
		io.Copy(w, content)
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// helperEnv is the helper's environment: only TZ, so that nothing the
// agent inherited reaches a process running as a user.
func helperEnv() []string {
	if tz, ok := os.LookupEnv("TZ"); ok {
		return []string{"TZ=" + tz}
	}
	return []string{}
}
