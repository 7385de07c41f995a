package master

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// monitorEnv names the descriptor on which a master started by "master
// -w" reports its successful start to the waiting parent.
const monitorEnv = "POSTERN_MASTER_MONITOR_FD"

// initTimeout bounds "master -w" (MASTER_INIT_TIMEOUT).
const initTimeout = 100 * time.Second

// cmdFlags are the master's options besides Options.
type cmdFlags struct {
	test, wait, debug bool
}

// Main is the master program: master [-c config_dir] [-D] [-d] [-e
// exit_time] [-i] [-s] [-t] [-v] [-w].
func Main(args []string) {
	unix.Umask(077)
	signal.Ignore(syscall.SIGPIPE)
	closeOnExecAll()
	if os.Getenv("MAIL_VERBOSE") != "" {
		maillog.SetVerbose(1)
	}
	opts, fl := parseArgs(args)
	if opts.ConfigDir != "" {
		os.Setenv("MAIL_CONFIG", opts.ConfigDir)
	}
	opts.ConfigDir = config.ConfigDir("")
	m := newMaster(opts)
	m.readConfig()
	maillog.Init(m.cfg, "master")
	m.checkOwner()
	qdir := m.cfg.Get("queue_directory")
	if fl.test {
		if Running(qdir) {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if fl.wait {
		monitor(args)
	}
	monitorFD := takeMonitorFD()
	m.detach(fl.debug)
	m.cleanEnv()
	if err := os.Chdir(qdir); err != nil {
		maillog.Fatal("chdir %s: %s", qdir, strerror(err))
	}
	m.takeLocks()
	maillog.SetCleanup(m.fatalCleanup)
	m.catchSignals()
	m.startup()
	reportStarted(monitorFD)
	m.loop()
}

func parseArgs(args []string) (Options, cmdFlags) {
	var o Options
	var f cmdFlags
	usage := func() {
		maillog.Fatal("usage: master [-c config_dir] [-D (debug)] [-d (don't detach from terminal)] [-e exit_time] [-t (test)] [-v] [-w (wait for initialization)]")
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			usage()
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'c', 'e':
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						usage()
					}
					i++
					val = args[i]
				}
				j = len(a)
				if c == 'c' {
					o.ConfigDir = val
				} else {
					n, _ := strconv.Atoi(val)
					o.ExitAfter = time.Duration(n) * time.Second
				}
			case 'D':
				f.debug = true
			case 'd':
				o.Foreground = true
			case 'i':
				if os.Getpid() != 1 {
					maillog.Fatal("-i is allowed only for PID 1 process")
				}
				o.InitMode, o.KeepStdout = true, true
			case 's':
				o.KeepStdout = true
			case 't':
				f.test = true
			case 'v':
				o.Verbose = true
				maillog.SetVerbose(maillog.Verbose() + 1)
			case 'w':
				f.wait = true
			default:
				usage()
			}
		}
	}
	if f.test && f.wait {
		maillog.Fatal("the -t and -w options cannot be used together")
	}
	if o.InitMode && (f.debug || o.Foreground || f.wait) {
		maillog.Fatal("the -i option cannot be used with -D, -d, or -w")
	}
	return o, f
}

// closeOnExecAll marks every inherited descriptor above 2 close-on-exec,
// so that none leaks into the children (Postfix closes them).
func closeOnExecAll() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// checkOwner looks up $mail_owner when running as root (mail_params.c).
func (m *Master) checkOwner() {
	if !m.root {
		return
	}
	name := m.cfg.Get("mail_owner")
	o, err := server.LookupOwner(name)
	if err != nil {
		maillog.Fatal("file %s/main.cf: parameter mail_owner: unknown user name value: %s", m.dir, name)
	}
	if o.UID == 0 {
		maillog.Fatal("file %s/main.cf: parameter mail_owner: user %s has privileged user ID", m.dir, name)
	}
	if o.GID == 0 {
		maillog.Fatal("file %s/main.cf: parameter mail_owner: user %s has privileged group ID", m.dir, name)
	}
	m.owner = o
}

// detach gives up the terminal (descriptors 0-2 become /dev/null,
// except stdout with -s) and makes the master a process group leader,
// so that "postfix stop" can signal the whole group.
func (m *Master) detach(debug bool) {
	if m.opts.Foreground {
		return
	}
	null, err := unix.Open("/dev/null", unix.O_RDWR, 0)
	if err != nil {
		maillog.Fatal("open /dev/null: %s", strerror(err))
	}
	for fd := 0; fd < 3; fd++ {
		if fd == 1 && m.opts.KeepStdout {
			continue
		}
		unix.Dup2(null, fd)
	}
	if null > 2 {
		unix.Close(null)
	}
	if !m.opts.InitMode && !debug {
		if _, err := unix.Setsid(); err != nil && unix.Getpgrp() != os.Getpid() {
			maillog.Fatal("unable to set session and process group ID: %s", strerror(err))
		}
	}
}

// cleanEnv keeps only $import_environment (util/clean_env.c).
func (m *Master) cleanEnv() {
	keep := map[string]string{}
	for _, item := range config.SplitList(m.cfg.Get("import_environment")) {
		if name, val, ok := strings.Cut(item, "="); ok {
			keep[strings.TrimSpace(name)] = strings.TrimSpace(val)
		} else if v, ok := os.LookupEnv(item); ok {
			keep[item] = v
		}
	}
	os.Clearenv()
	for k, v := range keep {
		os.Setenv(k, v)
	}
}

// takeLocks locks the pid file and the data directory lock, or exits:
// another master runs.
func (m *Master) takeLocks() {
	var err error
	if m.pidLock, err = openLock(PidFile, nil); err != nil {
		maillog.Fatal("%v", err)
	}
	var owner *server.Owner
	if m.root {
		owner = &m.owner
	}
	path := filepath.Join(m.cfg.Get("data_directory"), "master.lock")
	if m.dataLock, err = openLock(path, owner); err != nil {
		maillog.Fatal("%v", err)
	}
}

// monitor is "master -w": run the master in the background and exit 0
// once it reports a successful start, or fail (master_monitor.c).
func monitor(args []string) {
	r, w, err := os.Pipe()
	if err != nil {
		maillog.Fatal("pipe: %s", strerror(err))
	}
	var rest []string
	for _, a := range args {
		if a != "-w" {
			rest = append(rest, a)
		}
	}
	// The program's own path, not /proc/self/exe: the kernel names a
	// process after the file it executes, and ps, pidof, pgrep -x and
	// monitoring checks look for "master", not "exe".
	self, err := os.Executable()
	if err != nil {
		maillog.Fatal("fork: %s", strerror(err))
	}
	cmd := exec.Command(self, rest...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), monitorEnv+"=3")
	if err := cmd.Start(); err != nil {
		maillog.Fatal("fork: %s", strerror(err))
	}
	w.Close()
	r.SetReadDeadline(time.Now().Add(initTimeout))
	n, err := r.Read(make([]byte, 1))
	if n == 1 {
		os.Exit(0)
	}
	if os.IsTimeout(err) {
		maillog.Warn("%s while waiting for daemon initialization", "Connection timed out")
		cmd.Process.Kill()
	}
	maillog.Fatal("daemon initialization failure -- see logs for details")
}

// takeMonitorFD returns the descriptor of a waiting "master -w", or -1.
func takeMonitorFD() int {
	v := os.Getenv(monitorEnv)
	os.Unsetenv(monitorEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return -1
	}
	return fd
}

// reportStarted tells a waiting "master -w" that the master is up.
func reportStarted(fd int) {
	if fd < 0 {
		return
	}
	unix.Write(fd, []byte{0})
	unix.Close(fd)
}
