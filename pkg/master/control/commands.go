package control

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/master"
)

// run dispatches one postfix-script command and returns the exit status.
func (c *cmd) run(name string, args []string) int {
	switch name {
	case "start", "start-fg":
		return c.start(name == "start-fg")
	case "stop":
		return c.stop()
	case "abort":
		return c.signalMaster("aborting the Postfix mail system", syscall.SIGTERM)
	case "reload":
		return c.reload()
	case "status":
		return c.status()
	case "check":
		if !c.checkFatal() {
			return 1
		}
		c.checkWarn()
		return 0
	case "flush":
		return c.exec(c.path("command_directory", "postqueue"), "-f")
	case "set-permissions":
		return c.setPermissions()
	case "logrotate":
		return c.logrotate(args)
	case "upgrade-configuration":
		c.fatal("upgrade-configuration is not implemented by Postern: edit main.cf and master.cf by hand")
	}
	c.fatal("unknown command: '%s'. Usage: postfix start (or stop, reload, abort, flush, check, status, set-permissions, upgrade-configuration, logrotate)", name)
	return 1
}

func (c *cmd) running() bool { return master.Running(c.qdir) }

// masterPid reads the first line of pid/master.pid.
func (c *cmd) masterPid() (int, error) {
	data, err := os.ReadFile(master.PidFile)
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

func (c *cmd) start(foreground bool) int {
	if c.running() {
		c.fatal("the Postfix mail system is already running")
	}
	quick := c.path("queue_directory", "quick-start")
	if _, err := os.Stat(quick); err == nil {
		os.Remove(quick)
	} else {
		if !c.checkFatal() {
			c.fatal("Postfix integrity check failed!")
		}
		c.checkWarn()
	}
	c.copyChrootFiles()
	c.info("starting the Postfix mail system")
	masterPath := c.path("daemon_directory", "master")
	if !foreground {
		if c.exec(masterPath, "-w") != 0 {
			c.fatal("mail system startup failed")
		}
		return 0
	}
	if os.Getpid() == 1 {
		err := syscall.Exec(masterPath, []string{masterPath, "-i"}, os.Environ())
		c.fatal("cannot start-fg the master daemon: %v", err)
	}
	return c.execForwarding(masterPath, "-s")
}

// execForwarding runs the foreground master and passes on the signals the
// postfix command gets (Ctrl-C in a terminal, SIGTERM from a supervisor or
// timeout(1)), so that stopping "postfix start-fg" stops the mail system.
// XXX: postfix-script leaves the master running when only the script is
// signalled; Postern stops it, which is what a foreground command means.
func (c *cmd) execForwarding(path string, args ...string) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		c.fatal("%s: %s", path, strerror(err))
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	}
	return 0
}

func (c *cmd) stop() int {
	if c.signalMaster("stopping the Postfix mail system", syscall.SIGTERM) != 0 {
		return 1
	}
	for i := 0; i < 5; i++ {
		if !c.running() {
			return 0
		}
		c.info("waiting for the Postfix mail system to terminate")
		time.Sleep(time.Second)
	}
	c.warn("stopping the Postfix mail system with force")
	if pid, err := c.masterPid(); err == nil {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	return 0
}

// signalMaster logs what it does and signals the running master.
func (c *cmd) signalMaster(msg string, sig syscall.Signal) int {
	if !c.running() {
		c.fatal("the Postfix mail system is not running")
	}
	c.info("%s", msg)
	pid, err := c.masterPid()
	if err != nil {
		c.fatal("cannot read %s: %v", master.PidFile, err)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		c.fatal("kill %d: %s", pid, strerror(err))
	}
	return 0
}

// reload checks the active queue, signals the master and checks the
// other queues in the background, as postfix-script.
func (c *cmd) reload() int {
	if !c.running() {
		c.fatal("the Postfix mail system is not running")
	}
	c.info("refreshing the Postfix mail system")
	postsuper, ok := c.postsuper()
	if ok && c.exec(postsuper, "active") != 0 {
		return 1
	}
	c.sendSignal(syscall.SIGHUP)
	if ok {
		cmd := exec.Command(postsuper)
		cmd.Start()
	}
	return 0
}

// postsuper returns $command_directory/postsuper, which checks the
// queue file structure.
//
// XXX: while Postern has no postsuper the check is skipped, with a
// warning, where postfix-script would fail.
func (c *cmd) postsuper() (string, bool) {
	path := c.path("command_directory", "postsuper")
	if fileExists(path) {
		return path, true
	}
	c.warn("%s not found: queue file structure not checked", path)
	return path, false
}

func (c *cmd) sendSignal(sig syscall.Signal) {
	pid, err := c.masterPid()
	if err == nil {
		err = syscall.Kill(pid, sig)
	}
	if err != nil {
		c.fatal("cannot signal the master: %v", err)
	}
}

func (c *cmd) status() int {
	if !c.running() {
		c.info("the Postfix mail system is not running")
		return 1
	}
	pid, _ := c.masterPid()
	c.info("the Postfix mail system is running: PID: %d", pid)
	return 0
}

// exec runs a program with the command's standard descriptors and
// returns its exit status; a program that cannot run is fatal.
func (c *cmd) exec(path string, args ...string) int {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()) // as the shell reports it
		}
		return exit.ExitCode()
	}
	c.fatal("%s: %s", path, strerror(err))
	return 1
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// strerror is the C library's text for a system error.
func strerror(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// compatBelow compares two compatibility levels ("0", "2", "3.6").
func compatBelow(level, than string) bool { return config.CompatBelow(level, than) }
