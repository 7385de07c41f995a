package smtpd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/maillog"
)

// The tables of the restrictions: every "type:name" in a restriction
// list or class (the access tables), and the recipient, login and RBL
// reply tables. They are opened once, before the chroot, as
// smtpd_check_init() does. A table that cannot be opened is logged as an
// error and replaced by a stand-in whose every lookup fails (Postfix's
// dict_surrogate()), so that only the requests that need it fail.

// surrogateDict stands in for a table that could not be opened
// (util/dict_surrogate.c): every lookup logs "TYPE:NAME is unavailable.
// REASON" and fails with a temporary error (DICT_ERR_RETRY,
// dict.ErrUnavailable), so that the recipient maps check answers "451
// 4.3.0 <addr>: Temporary lookup failure" and an access table "451 4.3.5
// Server configuration error", as Postfix's smtpd does. It is a pattern
// table (DICT_FLAG_PATTERN): partial keys do not ask it.
type surrogateDict struct {
	spec, reason string
	warn         func(format string, args ...any)
}

func (d *surrogateDict) Lookup(string) (string, bool, error) {
	d.warn("%s is unavailable. %s", d.spec, d.reason)
	return "", false, dict.ErrUnavailable
}

func (d *surrogateDict) Flags() dict.Flags { return dict.Pattern }
func (d *surrogateDict) Close() error      { return nil }

// errorLogger is a Logger that also logs "error:" records.
type errorLogger interface {
	Error(format string, args ...any)
}

func (maillogLogger) Error(format string, args ...any) { maillog.Error(format, args...) }

// logError logs an "error:" record, or a warning if the logger has no
// error level.
func (s *Server) logError(format string, args ...any) {
	if l, ok := s.log.(errorLogger); ok {
		l.Error(format, args...)
		return
	}
	s.log.Warn(format, args...)
}

// openTable opens one table, or its stand-in.
func (s *Server) openTable(spec string) dict.Dict {
	d, err := s.deps.OpenTable(spec)
	if err != nil {
		s.logError("%v", err)
		return &surrogateDict{spec: spec, reason: err.Error(), warn: s.log.Warn}
	}
	return d
}

// openMaps opens the tables of a parameter such as local_recipient_maps
// (maps_create()).
func (s *Server) openMaps(title, value string) (*dict.Maps, error) {
	specs := config.SplitList(value)
	dicts := make([]dict.Dict, 0, len(specs))
	for _, spec := range specs {
		if !strings.Contains(spec, ":") {
			return nil, fmt.Errorf("%s: open dictionary: expecting \"type:name\" form instead of \"%s\"", title, spec)
		}
		dicts = append(dicts, s.openTable(spec))
	}
	return dict.NewMaps(title, specs, dicts), nil
}

// tableProblem logs a lookup failure of a table list as maps_find()
// does and reports whether it is a configuration error (DICT_ERR_CONFIG:
// a table that returns an empty string) as opposed to a temporary one
// (DICT_ERR_RETRY: a table that is down, or the stand-in of one that
// could not be opened).
func (s *Server) tableProblem(err error) bool {
	msg := err.Error()
	if u := errors.Unwrap(err); u != nil {
		msg = strings.TrimSuffix(msg, ": "+u.Error())
	}
	if first, second, ok := strings.Cut(msg, " returns an empty string result; "); ok {
		s.log.Warn("%s returns an empty string result", first)
		s.log.Warn("%s", second)
		return true
	}
	s.log.Warn("%s", msg)
	return false
}

// accessTables opens the tables named in the restriction lists and
// classes: "type:name" entries, except the server of
// check_policy_service (smtpd_check_parse()).
func (s *Server) accessTables(lists ...[]string) map[string]*dict.Maps {
	tables := map[string]*dict.Maps{}
	for _, l := range lists {
		for i, name := range l {
			if i > 0 && strings.EqualFold(l[i-1], "check_policy_service") {
				continue
			}
			if !strings.Contains(name, ":") || tables[name] != nil {
				continue
			}
			tables[name] = dict.NewMaps(name, []string{name}, []dict.Dict{s.openTable(name)})
		}
	}
	return tables
}
