package master

import (
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// startup runs after the locks are taken: endpoints, children's
// environment, flow pipe, and the "daemon started" line.
func (m *Master) startup() {
	if err := unix.Pipe2(m.flow[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		maillog.Fatal("pipe: %s", strerror(err))
	}
	m.childEnv = m.childEnvironment()
	m.poller = newPoller(m)
	go m.poller.run()
	m.refresh()
	maillog.Init(m.cfg, "master")
	if !m.root {
		maillog.Warn("not running as root: every service runs as %s, without chroot and without privilege separation", currentUser())
	}
	maillog.Info("daemon started -- version %s, configuration %s", config.MailVersion, m.dir)
}

// catchSignals is master_sigsetup: from here on the signals that stop or
// reload the master are queued for the event loop.
func (m *Master) catchSignals() {
	m.sigs = make(chan os.Signal, 16)
	signal.Notify(m.sigs, syscall.SIGHUP, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
}

// loop is the event loop: all master state changes happen here.
func (m *Master) loop() {
	if m.opts.ExitAfter > 0 {
		m.after(m.opts.ExitAfter, func() {
			maillog.Info("master exit time has arrived")
			m.terminateChildren()
			os.Exit(0)
		})
	}
	for {
		m.poller.update(m.watches())
		select {
		case sig := <-m.sigs:
			m.signal(sig.(syscall.Signal))
		case fn := <-m.events:
			fn()
		}
	}
}

func (m *Master) signal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGHUP:
		m.reload()
	case syscall.SIGCHLD:
		if maillog.Verbose() > 0 {
			maillog.Info("got sigchld")
		}
		m.reap()
	default:
		m.terminate(sig)
	}
}

// terminate is master_sigdeath: terminate every child, log, and die of
// the same signal. SIGTERM stays caught (queued on the channel, never
// acted on) while the master signals its own process group.
func (m *Master) terminate(sig syscall.Signal) {
	m.terminateChildren()
	m.flushPostlog()
	maillog.Info("terminating on signal %d", int(sig))
	if m.opts.InitMode {
		os.Exit(0)
	}
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig)
	time.Sleep(time.Second) // the signal is on its way
	os.Exit(1)
}

// terminateChildren sends SIGTERM to the master's process group (when it
// leads one) and to each known child, then waits up to five seconds for
// the children to exit, so that "postfix stop" leaves no process behind.
func (m *Master) terminateChildren() {
	if syscall.Getpgrp() == os.Getpid() {
		syscall.Kill(-os.Getpid(), syscall.SIGTERM)
	}
	m.signalChildren(nil, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for len(m.children) > 0 && time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid > 0 && err == nil {
			delete(m.children, pid)
			continue
		}
		if err == syscall.ECHILD {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func currentUser() string {
	uid := strconv.Itoa(os.Geteuid())
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}

// fatalCleanup runs when the master exits with a fatal error: its
// children go too, and its last records reach $maillog_file even when
// postlogd is not running.
func (m *Master) fatalCleanup() {
	m.terminateChildren()
	m.flushPostlog()
}

// flushPostlog is for $maillog_file logging after postlogd was
// terminated: records still queued on the postlog socket are appended to
// the file, and the master's own last records go straight to the file.
func (m *Master) flushPostlog() {
	l := maillog.Default()
	if l == nil || m.cfg.Get("maillog_file") == "" {
		return
	}
	l.UseFileOnly()
	buf := make([]byte, 65536)
	for _, s := range m.services {
		if s.typ != "unix-dgram" || s.extName != m.cfg.Get("postlog_service_name") {
			continue
		}
		for {
			n, _, err := unix.Recvfrom(s.listenFDs[0], buf, unix.MSG_DONTWAIT)
			if err != nil {
				break
			}
			l.AppendRecord(buf[:n])
		}
	}
}
