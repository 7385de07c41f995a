package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Unsafe is util/unsafe.c: the process runs with privileges its caller
// does not have (set-user-ID or set-group-ID), so that the caller's
// environment and arguments must not choose the configuration. The
// super-user is trusted.
func Unsafe() bool {
	if os.Getuid() == 0 && os.Geteuid() == 0 {
		return false
	}
	return os.Geteuid() != os.Getuid() || os.Getegid() != os.Getgid()
}

// UnauthorizedDirError is CheckSetgidConfigDir's refusal. Its Error is
// Postfix's fatal message; Complaint is the error message Postfix logs
// before it.
type UnauthorizedDirError struct {
	Dir    string // the configuration directory asked for
	MainCF string // the default main.cf that does not list it
}

func (e *UnauthorizedDirError) Error() string {
	return fmt.Sprintf("specify \"alternate_config_directories = %s\" or \"multi_instance_directories = %s\" in %s",
		e.Dir, e.Dir, e.MainCF)
}

// Complaint is the "unauthorized configuration directory name" error.
func (e *UnauthorizedDirError) Complaint() string {
	return "unauthorized configuration directory name: " + e.Dir
}

// CheckSetgidConfigDir is mail_conf_checkdir(), for a program that runs
// set-group-ID (postdrop, postqueue) or for sendmail -C: configuration
// directory dir must be listed in alternate_config_directories or
// multi_instance_directories of the default main.cf (postconf(5)
// alternate_config_directories). The caller decides when to check
// (Postfix: a non-default directory and Unsafe()). The error is an
// *UnauthorizedDirError, or Postfix's "open file"/"read file" message.
func CheckSetgidConfigDir(dir string) error {
	path := filepath.Join(DefaultConfigDirectory, "main.cf")
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open file %s: %s", path, Strerror(err))
	}
	defer f.Close()
	found := false
	err = LogicalLines(path, f, nil, func(_ int, text string) error {
		name, value, err := SplitNameValue(text)
		if err != nil || name != "alternate_config_directories" && name != "multi_instance_directories" {
			return nil
		}
		for _, d := range SplitList(value) {
			found = found || d == dir
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read file %s: %s", path, Strerror(err))
	}
	if !found {
		return &UnauthorizedDirError{Dir: dir, MainCF: path}
	}
	return nil
}

// Strerror is the Strerror(3) text of the errno inside err, as
// Postfix's %m prints it ("No such file or directory"), else the
// error's text.
func Strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
