package master

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// Starting, reaping and throttling children (master_spawn.c).

// spawn starts one child of s. The child inherits the master's
// descriptors 0-2, the flow-control pipe as 3 and 4, the service's status
// socket as 5 and its endpoints from 6 on, and $GENERATION in octal.
func (m *Master) spawn(s *service) {
	if !limitOK(s.maxProc, s.reserved) || s.avail > 0 || s.throttled {
		maillog.Panic("master_spawn: bad state for %s: total %d reserved %d avail %d throttled %v", s.path, s.total, s.reserved, s.avail, s.throttled)
	}
	m.generation++
	files := []uintptr{0, 1, 2, uintptr(m.flow[0]), uintptr(m.flow[1]), uintptr(s.status.child)}
	for _, fd := range s.listenFDs {
		files = append(files, uintptr(fd))
	}
	budget := s.budget()
	env := append(m.childEnv[:len(m.childEnv):len(m.childEnv)],
		fmt.Sprintf("%s=%o", server.GenerationEnv, m.generation),
		fmt.Sprintf("%s=%d", server.SessionBudgetEnv, budget))
	attr := &syscall.ProcAttr{Env: env, Files: files, Sys: &syscall.SysProcAttr{}}
	pid, err := syscall.ForkExec(s.path, s.childArgv(time.Now()), attr)
	if err != nil {
		// Postfix's child logs "fatal: master_spawn: exec PATH: ERROR"
		// and its exit is then reported; here the exec error comes back
		// to the master directly.
		maillog.Warn("master_spawn: exec %s: %s", s.path, strerror(err))
		maillog.Warn("%s: bad command startup -- throttling", s.path)
		m.throttle(s)
		return
	}
	if maillog.Verbose() > 0 {
		maillog.Info("spawn command %s; pid %d", s.path, pid)
	}
	c := &child{pid: pid, gen: m.generation, serv: s, limit: max(budget, 1)}
	m.children[pid] = c
	s.total++
	s.reserved += c.limit
	m.availMore(s, c)
	if s.condWake {
		s.condWake = false
		m.wakeupInit(s)
	}
}

func limitOK(max, total int) bool { return max == 0 || total < max }

// budget is the session budget of a new child of s: what is left of
// maxproc (0 when there is no limit). A child serves at most that many
// clients at once and reports how many it will serve (its limit).
func (s *service) budget() int {
	if s.maxProc == 0 {
		return 0
	}
	return s.maxProc - s.reserved
}

// reap collects every child that has exited (master_reap_child).
func (m *Master) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
		m.reaped(pid, ws)
	}
}

// reaped accounts for one exited child: log an abnormal end, throttle a
// service whose child died before it finished a single client.
func (m *Master) reaped(pid int, ws syscall.WaitStatus) {
	c, ok := m.children[pid]
	if !ok {
		if !m.opts.InitMode {
			maillog.Warn("master_reap: unknown pid: %d", pid)
		}
		return
	}
	s := c.serv
	if !(ws.Exited() && ws.ExitStatus() == 0) {
		if ws.Exited() {
			maillog.Warn("process %s pid %d exit status %d", s.path, pid, ws.ExitStatus())
		}
		if ws.Signaled() && !(s.deleting && ws.Signal() == syscall.SIGTERM) {
			maillog.Warn("process %s pid %d killed by signal %d", s.path, pid, int(ws.Signal()))
		}
		if c.useCount == 0 && !s.throttled {
			maillog.Warn("%s: bad command startup -- throttling", s.path)
			m.throttle(s)
		}
	}
	m.deleteChild(c)
}

func (m *Master) deleteChild(c *child) {
	s := c.serv
	s.total--
	s.reserved -= c.limit
	delete(m.children, c.pid)
	if c.avail {
		m.availLess(s, c)
	} else {
		m.availListen(s)
	}
}

// throttle stops starting children of s for $service_throttle_time.
func (m *Master) throttle(s *service) {
	if s.throttled {
		return
	}
	s.throttled = true
	if maillog.Verbose() > 0 {
		maillog.Info("throttling command %s", s.path)
	}
	s.thrSeq++
	seq := s.thrSeq
	m.after(s.throttle, func() {
		if s.thrSeq == seq && s.throttled {
			m.unthrottle(s)
		}
	})
	m.availListen(s)
}

func (m *Master) unthrottle(s *service) {
	s.throttled = false
	if maillog.Verbose() > 0 {
		maillog.Info("unthrottling command %s", s.path)
	}
	m.availListen(s)
}

// deleteChildren terminates every child of s and waits until they are
// gone (master_delete_children); children that ignore SIGTERM for five
// seconds are killed.
func (m *Master) deleteChildren(s *service) {
	s.throttled = true
	s.deleting = true
	m.signalChildren(s, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for s.total > 0 {
		if time.Now().After(deadline) {
			m.signalChildren(s, syscall.SIGKILL)
			deadline = time.Now().Add(time.Hour)
		}
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid > 0 && err == nil {
			m.reaped(pid, ws)
			continue
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.thrSeq++
	s.throttled = false
}

func (m *Master) signalChildren(s *service, sig syscall.Signal) {
	for pid, c := range m.children {
		if s == nil || c.serv == s {
			syscall.Kill(pid, sig)
		}
	}
}

// childEnvironment is the environment of every child: the master's own,
// already filtered by $import_environment, plus MAIL_CONFIG.
func (m *Master) childEnvironment() []string {
	var env []string
	for _, kv := range os.Environ() {
		if len(kv) < 12 || kv[:12] != "MAIL_CONFIG=" {
			env = append(env, kv)
		}
	}
	return append(env, "MAIL_CONFIG="+m.dir)
}
