package submit

import (
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// Postdrop is postdrop(1): it reads one message in the postdrop input
// stream (stream.go) on stdin, writes it as a queue file into
// $queue_directory/maildrop and wakes the pickup service. It is meant
// to be installed set-group-ID $setgid_group, the only group that may
// write into maildrop; it runs as the submitting user, who owns the file.
//
// Replies on stdout, attribute lists (pkg/attr, null encoding): first
// {protocol=postdrop, queue_id=ID} once the file exists, then
// {status=N, reason=TEXT} at the end (N: cleanup status bits, 0 = the
// message is durable in maildrop). The exit status is N, or 1 after a
// fatal error; input that ends before its end record cancels the
// submission quietly (exit 0, no file).
func Postdrop(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	r := &Reporter{Tag: "postdrop", Stderr: stderr}
	p := &postdrop{r: r, in: stdin, reply: attr.NewWriter(stdout, attr.Null), uid: os.Getuid()}
	status := r.Finish(p.run(args))
	p.abort()
	return status
}

type postdrop struct {
	r     *Reporter
	in    io.Reader
	reply *attr.Writer
	uid   int
	cfg   *config.Config
	qdir  string

	mu   sync.Mutex // the file, shared with the signal handler
	w    *queue.Writer
	done bool // committed or given up: the handler leaves the file alone
}

func (p *postdrop) run(args []string) error {
	if err := postdropOptions(args, p.r.Stderr); err != nil {
		return err
	}
	cfg, err := LoadConfig(p.r, 1)
	if err != nil {
		return err
	}
	p.cfg = cfg
	p.r.InitLog(cfg, "postdrop")
	cleanEnv(cfg.Get("import_environment"))
	p.qdir = cfg.Get("queue_directory")
	if err := os.Chdir(p.qdir); err != nil {
		return Fatalf(1, "chdir %s: %s", p.qdir, Strerror(err))
	}
	p.catchSignals()
	if err := CheckSubmitACL(cfg, 1); err != nil {
		return err
	}
	if err := p.create(); err != nil {
		return err
	}
	status, why, err := p.copyInput()
	if err != nil {
		return err
	}
	status = p.finish(status)
	if err := p.reply.Write(attr.List{{Name: "status", Value: strconv.Itoa(status)}, {Name: "reason", Value: why}}); err != nil {
		return ExitStatus(status | StatWrite)
	}
	return ExitStatus(status)
}

// postdropOptions parses "c:rv": -c sets $MAIL_CONFIG (checked like it
// later), -r is accepted for compatibility, -v counts only for root.
func postdropOptions(args []string, stderr io.Writer) error {
	// The name the program was started as is the caller's choice;
	// Postfix censors it.
	g := NewGetopt(append([]string{"postdrop"}, args[min(1, len(args)):]...), "c:rv")
	g.Stderr = stderr
	for {
		c, arg, ok := g.Next()
		if !ok {
			break
		}
		switch c {
		case 'c':
			os.Setenv("MAIL_CONFIG", arg)
		case 'r', 'v':
		default:
			return Fatalf(1, "usage: postdrop [-c config_dir] [-v]")
		}
	}
	return nil
}

// create makes the maildrop file and tells the caller its queue ID.
func (p *postdrop) create() error {
	layout, err := queue.NewLayoutIn(p.cfg, p.qdir)
	if err != nil {
		return Fatalf(1, "%v", err)
	}
	w, err := layout.CreateMaildrop()
	if err != nil {
		return Fatalf(1, "mail_queue_enter: %s", ErrnoText(err))
	}
	p.mu.Lock()
	p.w = w
	p.mu.Unlock()
	w.AddAttr(queue.AttrLocalUID, strconv.Itoa(p.uid))
	return p.reply.Write(attr.List{{Name: "protocol", Value: "postdrop"}, {Name: "queue_id", Value: w.ID()}})
}

// finish makes the file durable (or removes it) and wakes pickup.
func (p *postdrop) finish(status int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	if status != StatOK {
		p.w.Abort()
		return status
	}
	if err := p.w.CommitMaildrop(); err != nil {
		p.r.Warn("uid=%d: %s", p.uid, Strerror(err))
		return StatWrite
	}
	timeout, err := p.cfg.Duration("trigger_timeout")
	if err != nil {
		timeout = 10 * time.Second
	}
	if err := mailTrigger(p.qdir, p.cfg.Get("pickup_service_name"), []byte("W"), timeout); err != nil {
		p.r.Warn("%v", err)
	}
	return StatOK
}

// abort removes an unfinished file (fatal error paths).
func (p *postdrop) abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w != nil && !p.done {
		p.w.Abort()
		p.done = true
	}
}

// catchSignals removes the unfinished file on SIGINT, SIGQUIT, and on
// SIGTERM and SIGHUP unless they were ignored (postdrop_sig()); the
// process exits with the signal number.
func (p *postdrop) catchSignals() {
	sigs := []os.Signal{syscall.SIGINT, syscall.SIGQUIT}
	for _, s := range []os.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	signal.Ignore(syscall.SIGPIPE, syscall.SIGXFSZ)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		s := <-ch
		p.abort()
		os.Exit(int(s.(syscall.Signal)))
	}()
}

// cleanEnv keeps only the environment that import_environment names,
// with its name=value settings (clean_env()): postdrop runs set-group-ID
// and must not trust what the caller put there.
func cleanEnv(importEnv string) {
	keep := map[string]string{}
	for _, e := range config.SplitList(importEnv) {
		if name, value, ok := strings.Cut(e, "="); ok {
			keep[name] = value
		} else if v, ok := os.LookupEnv(e); ok {
			keep[e] = v
		}
	}
	os.Clearenv()
	for k, v := range keep {
		os.Setenv(k, v)
	}
}
