package control

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// logrotate is "postfix logrotate": rename $maillog_file with
// $maillog_file_rotate_suffix, make the master restart postlogd (which
// then opens a new file), and compress the old file with
// $maillog_file_compressor.
func (c *cmd) logrotate(args []string) int {
	if len(args) > 0 {
		c.fatal("usage postfix logrotate (no arguments)")
	}
	vals := map[string]string{}
	for _, name := range []string{"maillog_file", "maillog_file_compressor", "maillog_file_rotate_suffix"} {
		if vals[name] = c.cfg.Get(name); vals[name] == "" {
			c.fatal("empty '%s' parameter value - logfile rotation failed", name)
		}
	}
	file := vals["maillog_file"]
	if strings.HasPrefix(file, "/dev/") {
		c.fatal("not rotating '%s'", file)
	}
	if err := c.rotate(file, vals["maillog_file_rotate_suffix"], vals["maillog_file_compressor"]); err != nil {
		c.fatal("logfile '%s' rotation failed: %v", file, err)
	}
	return 0
}

func (c *cmd) rotate(file, suffixFormat, compressor string) error {
	old := file + "." + strftime(suffixFormat, time.Now())
	if err := os.Rename(file, old); err != nil {
		return err
	}
	if c.running() {
		pid, err := c.masterPid()
		if err == nil {
			err = syscall.Kill(pid, syscall.SIGHUP)
		}
		if err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	out, err := exec.Command(compressor, old).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s%v", out, err)
	}
	return nil
}

// strftime formats the conversions that rotation suffixes use.
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
