package dict

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrUnavailable is wrapped by the lookup error of a surrogate table.
var ErrUnavailable = errors.New("table unavailable")

// surrogateDict stands in for a table that could not be opened
// (util/dict_surrogate.c): every lookup logs "warning: TYPE:NAME is
// unavailable. REASON" and fails with a temporary error.
type surrogateDict struct {
	spec, reason string
	warn         func(msg string)
}

// surrogate returns err, or with o.Surrogate set logs it as an "error:"
// record and returns a stand-in for spec.
func (o Options) surrogate(spec string, err error) (Dict, error) {
	if !o.Surrogate {
		return nil, err
	}
	logf := o.Error
	if logf == nil {
		logf = o.Warn
	}
	if logf != nil {
		logf(err.Error())
	}
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	return &surrogateDict{spec: spec, reason: err.Error(), warn: warn}, nil
}

func (d *surrogateDict) Lookup(string) (string, bool, error) {
	d.warn(d.spec + " is unavailable. " + d.reason)
	return "", false, ErrUnavailable
}

// Flags: a fixed-string table, so that it is asked for every key form
// (partial address forms too) and every lookup fails.
func (d *surrogateDict) Flags() Flags { return Fixed }
func (d *surrogateDict) Close() error { return nil }

// errnoText is an errno with strerror(3)'s text ("No such file or
// directory"), as Postfix's %m prints it; errors.Is still sees the errno.
type errnoText struct{ errno syscall.Errno }

func (e errnoText) Error() string {
	s := e.errno.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func (e errnoText) Unwrap() error { return e.errno }

// strerror gives an errno strerror(3)'s capitalization; other errors
// are returned as they are.
func strerror(err error) error {
	var n syscall.Errno
	if errors.As(err, &n) {
		return errnoText{n}
	}
	return err
}

// lookupError is maps_find()'s "TYPE:NAME lookup error for "KEY"",
// with the table's own error after a colon unless it is a surrogate's,
// which has logged its reason already.
func lookupError(spec, key string, err error) error {
	if errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%s lookup error for \"%s\"%w", spec, key, quietErr{err})
	}
	return fmt.Errorf("%s lookup error for \"%s\": %w", spec, key, err)
}

// quietErr wraps an error without adding to the text.
type quietErr struct{ err error }

func (q quietErr) Error() string { return "" }
func (q quietErr) Unwrap() error { return q.err }
