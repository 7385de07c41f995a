package verify

import (
	"errors"
	"strings"
	"syscall"
)

// errText is strerror(3) text, as Postfix's %m prints it.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
