package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
)

// postdropProc is a running postdrop and its two pipes
// (mail_stream_command()).
type postdropProc struct {
	cmd     *exec.Cmd
	command string // "$command_directory/postdrop -r", for messages
	stdin   io.WriteCloser
	replies *attr.Reader
	sw      *submit.StreamWriter
	id      string // maildrop queue ID
	waited  bool
}

// errHandshake is how Postfix words a postdrop that did not answer
// (its %m after the failed handshake).
var errHandshake = errors.New("Application error")

// startPostdrop runs $command_directory/postdrop -r [-v...] with the
// $export_environment and reads its queue ID.
func startPostdrop(r *submit.Reporter, cfg *config.Config, verbose int) (*postdropProc, error) {
	path := filepath.Join(cfg.Get("command_directory"), "postdrop")
	args := []string{"-r"}
	for i := 0; i < verbose; i++ {
		args = append(args, "-v")
	}
	p := &postdropProc{command: postdropCommand(cfg, verbose)}
	p.cmd = exec.Command(path, args...)
	p.cmd.Args[0] = "postdrop"
	p.cmd.Env = exportEnv(cfg.Get("export_environment"))
	p.cmd.Stderr = r.Stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		// What the child of Postfix's vstream_popen() says before it exits.
		r.EmitFatal("execvp %s: %s", path, submit.Strerror(err))
		r.Warn("command \"%s\" exited with status 1", p.command)
		return nil, errHandshake
	}
	p.replies = attr.NewReader(out, attr.Null)
	p.sw = submit.NewStreamWriter(p.stdin)
	if err := p.handshake(); err != nil {
		if status := p.wait(); status != 0 {
			r.Warn("command \"%s\" exited with status %d", p.command, status)
		}
		return nil, errHandshake
	}
	return p, nil
}

func (p *postdropProc) handshake() error {
	l, err := p.replies.Read()
	if err != nil {
		return err
	}
	if v, _ := l.Get("protocol"); v != "postdrop" {
		return errors.New("unexpected protocol")
	}
	id, err := l.Need("queue_id")
	p.id = id
	return err
}

// finish ends the input and returns postdrop's completion status and
// reason (mail_stream_finish_ipc()); a postdrop that does not answer is
// a queue file write error.
func (p *postdropProc) finish() (int, string) {
	status, why := submit.StatWrite, ""
	if err := p.sw.Flush(); err == nil {
		if l, err := p.replies.Read(); err == nil {
			if v, err := l.Number("status"); err == nil {
				status = int(v)
				why, _ = l.Get("reason")
			}
		}
	}
	p.wait()
	return status, why
}

// wait closes postdrop's input and waits for it to exit; an unfinished
// submission is thereby cancelled. A postdrop that does not exit within
// a minute is killed.
func (p *postdropProc) wait() int {
	if p.waited {
		return 0
	}
	p.waited = true
	p.stdin.Close()
	timer := time.AfterFunc(time.Minute, func() { p.cmd.Process.Kill() })
	defer timer.Stop()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// postdropCommand is the command line as Postfix's messages show it.
func postdropCommand(cfg *config.Config, verbose int) string {
	return filepath.Join(cfg.Get("command_directory"), "postdrop") + " -r" + strings.Repeat(" -v", verbose)
}

// exportEnv is $export_environment: the names kept from this process's
// environment, and name=value settings.
func exportEnv(list string) []string {
	var env []string
	for _, e := range config.SplitList(list) {
		if strings.Contains(e, "=") {
			env = append(env, e)
		} else if v, ok := os.LookupEnv(e); ok {
			env = append(env, e+"="+v)
		}
	}
	return env
}

// uidString is the "(UID)" of sendmail's messages.
func uidString() string { return strconv.Itoa(os.Getuid()) }
