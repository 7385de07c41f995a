package mailbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Runner starts helper processes (see HelperArg) for the agent and keeps
// the idle ones, per user and group, for the next operation with the
// same credentials: starting a helper (fork and exec of the agent's Go
// binary) costs about 3 ms of CPU, several times the delivery itself,
// and a maildir delivery needs two operations (the .forward lstat and
// the write). A helper serves at most helperMaxUses operations and exits
// after helperIdle without one; it never serves other credentials.
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

	mu    sync.Mutex
	idle  map[Cred][]*helperProc
	nIdle int
}

// Limits of the helper pool.
const (
	helperMaxUses     = 100              // operations per helper (max_use)
	helperIdle        = 10 * time.Second // an idle helper exits after this
	helperIdlePerCred = 4                // idle helpers kept per credentials
	helperIdleTotal   = 32               // idle helpers kept in all
)

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
	h, reused := r.get(cred)
	if h == nil {
		if h, err = r.start(cred); err != nil {
			return nil, err
		}
	}
	resp, sent, err := h.call(ctx, line, req.Size, content)
	if err != nil && reused && !sent && ctx.Err() == nil {
		// An idle helper that is gone (its user may kill it): nothing
		// was sent, so once more with a new one.
		h.kill()
		if h, err = r.start(cred); err != nil {
			return nil, err
		}
		resp, _, err = h.call(ctx, line, req.Size, content)
	}
	if err != nil {
		h.kill()
		return nil, fmt.Errorf("mailbox helper (uid %d) failed: %v %s", cred.UID, err,
			strings.TrimSpace(h.stderr.String()))
	}
	r.put(cred, h)
	return resp, nil
}

// get takes an idle helper for cred; nil when there is none.
func (r *Runner) get(cred Cred) (*helperProc, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hs := r.idle[cred]
	if len(hs) == 0 {
		return nil, false
	}
	h := hs[len(hs)-1]
	r.idle[cred] = hs[:len(hs)-1]
	r.nIdle--
	h.timer.Stop()
	return h, true
}

// put keeps a helper for the next operation, or lets it exit.
func (r *Runner) put(cred Cred, h *helperProc) {
	h.uses++
	r.mu.Lock()
	defer r.mu.Unlock()
	if h.uses >= helperMaxUses || len(r.idle[cred]) >= helperIdlePerCred || r.nIdle >= helperIdleTotal {
		h.close()
		return
	}
	if r.idle == nil {
		r.idle = map[Cred][]*helperProc{}
	}
	r.idle[cred] = append(r.idle[cred], h)
	r.nIdle++
	h.timer = time.AfterFunc(helperIdle, func() { r.expire(cred, h) })
}

// expire lets an idle helper exit, unless get took it meanwhile.
func (r *Runner) expire(cred Cred, h *helperProc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hs := r.idle[cred]
	for i, x := range hs {
		if x == h {
			r.idle[cred] = append(hs[:i:i], hs[i+1:]...)
			r.nIdle--
			h.close()
			return
		}
	}
}

// Close lets every idle helper exit (they also exit when the agent does:
// their standard input ends).
func (r *Runner) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for cred, hs := range r.idle {
		for _, h := range hs {
			h.timer.Stop()
			h.close()
		}
		delete(r.idle, cred)
	}
	r.nIdle = 0
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

// syncBuffer is a bytes.Buffer for a helper's standard error, which
// os/exec copies in from its own goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 4096 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
