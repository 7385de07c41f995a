package mailbox

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// helperProc is one running helper and the pipes to it. Protocol, per
// operation: the agent writes a JSON Request line and exactly
// Request.Size bytes of content; the helper reads them all (also when
// the operation failed early) and answers one JSON Response line. The
// helper exits when its standard input ends.
type helperProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *syncBuffer
	uses   int
	timer  *time.Timer // idle expiry, while in the pool
}

// start starts a helper as cred.
func (r *Runner) start(cred Cred) (*helperProc, error) {
	cmd := exec.Command(r.Exe, HelperArg)
	cmd.Args[0] = r.Name
	cmd.Env = helperEnv()
	cmd.Dir = "/"
	h := &helperProc{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = h.stderr
	var err error
	if h.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	h.stdout = bufio.NewReader(out)
	if err := r.Privs.Start(cmd, cred); err != nil {
		return nil, fmt.Errorf("start mailbox helper as uid %d: %w", cred.UID, err)
	}
	return h, nil
}

// call sends one operation and reads the answer; sent is false when the
// request could not even be written (the helper is gone). The helper is
// killed when ctx ends first.
func (h *helperProc) call(ctx context.Context, line []byte, size int64, content io.Reader) (resp *Response, sent bool, err error) {
	stop := context.AfterFunc(ctx, func() { h.cmd.Process.Kill() })
	defer stop()
	if _, err := h.stdin.Write(append(line, '\n')); err != nil {
		return nil, false, err
	}
	wrote := make(chan error, 1)
	go func() { wrote <- h.feed(size, content) }()
	answer, rerr := h.stdout.ReadBytes('\n')
	werr := <-wrote
	if rerr == nil && werr == nil {
		resp = &Response{}
		rerr = json.Unmarshal(answer, resp)
	}
	if err := firstErr(werr, rerr); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, true, err
	}
	return resp, true, nil
}

// feed writes exactly size bytes of content; a short or failed content
// kills the helper, which would otherwise wait for the rest.
func (h *helperProc) feed(size int64, content io.Reader) error {
	if size == 0 {
		return nil
	}
	if content == nil {
		h.cmd.Process.Kill()
		return fmt.Errorf("no content for a request of %d bytes", size)
	}
	if _, err := io.CopyN(h.stdin, content, size); err != nil {
		h.cmd.Process.Kill()
		return err
	}
	return nil
}

// close ends the helper's input, so that it exits, and reaps it.
func (h *helperProc) close() {
	h.stdin.Close()
	go h.cmd.Wait()
}

// kill stops a helper that failed or is in an unknown state.
func (h *helperProc) kill() {
	h.stdin.Close()
	h.cmd.Process.Kill()
	go h.cmd.Wait()
}
