package config

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// master.cf as Postfix's master/master_ent.c and postconf/postconf_master.c
// read it: logical lines as in main.cf, eight white-space separated
// fields (service type private unpriv chroot wakeup maxproc command) and
// the command's arguments, where "{ text with spaces }" is one argument.

// Service is one master.cf entry.
type Service struct {
	Name    string // service field as written ("smtp", "127.0.0.1:2525", "private/x")
	Type    string // inet, unix, unix-dgram, fifo, pass
	Private string // raw field: "y", "n" or "-"
	Unpriv  string
	Chroot  string
	Wakeup  string // "-", "N" or "N?"
	MaxProc string // "-" or "N"
	Command string
	Args    []string // arguments after the command, {} groups unwrapped
	Line    int      // first line of the entry in master.cf
}

// ID is "name/type", the key of master_service_disable and postconf -M.
func (s *Service) ID() string { return s.Name + "/" + s.Type }

// MasterFile is a parsed master.cf.
type MasterFile struct {
	Path     string
	Services []*Service // in file order; a later duplicate replaces an earlier one
	Warnings []string
}

var masterTypes = map[string]bool{"inet": true, "unix": true, "unix-dgram": true, "fifo": true, "pass": true}

// ReadMaster parses a master.cf file.
func ReadMaster(path string) (*MasterFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseMaster(path, data)
}

// ParseMaster parses master.cf text; errors name the file and line in
// Postfix's words ("FILE: line N: field "private": bad value: "x"").
func ParseMaster(path string, data []byte) (*MasterFile, error) {
	mf := &MasterFile{Path: path}
	index := map[string]int{}
	warn := func(w string) { mf.Warnings = append(mf.Warnings, w) }
	err := LogicalLines(path, bytes.NewReader(data), warn, func(first int, text string) error {
		s, err := parseService(text)
		if err != nil {
			return fmt.Errorf("%s: line %d: %v", path, first, err)
		}
		s.Line = first
		if i, dup := index[s.ID()]; dup {
			warn(fmt.Sprintf("%s: line %d: duplicate master.cf entry for service \"%s\" (%s) -- using the last entry", path, first, s.Name, s.Type))
			mf.Services[i] = s
			return nil
		}
		index[s.ID()] = len(mf.Services)
		mf.Services = append(mf.Services, s)
		return nil
	})
	return mf, err
}

func parseService(text string) (*Service, error) {
	fields := strings.Fields(text)
	names := []string{"service name", "transport type", "private", "unprivileged", "chroot", "wakeup_time", "max_proc", "command"}
	if len(fields) < len(names) {
		return nil, fmt.Errorf("missing \"%s\" field", names[len(fields)])
	}
	s := &Service{Name: fields[0], Type: fields[1], Private: fields[2], Unpriv: fields[3],
		Chroot: fields[4], Wakeup: fields[5], MaxProc: fields[6], Command: fields[7]}
	if !masterTypes[s.Type] {
		return nil, fmt.Errorf("bad transport type: %s", s.Type)
	}
	if s.Command == "-" {
		return nil, fmt.Errorf("field \"command\" has no default value")
	}
	for i, v := range []string{s.Private, s.Unpriv, s.Chroot} {
		if v != "-" && v != "y" && v != "n" {
			return nil, fmt.Errorf("field \"%s\": bad value: \"%s\"", names[2+i], v)
		}
	}
	if s.Type == "inet" && s.Private == "y" {
		return nil, fmt.Errorf("inet service cannot be private")
	}
	if w := strings.TrimSuffix(s.Wakeup, "?"); s.Wakeup != "-" && !isDigits(w) {
		return nil, fmt.Errorf("field \"wakeup_time\": bad value: \"%s\"", s.Wakeup)
	}
	if s.MaxProc != "-" && !isDigits(s.MaxProc) {
		return nil, fmt.Errorf("field \"max_proc\": bad value: \"%s\"", s.MaxProc)
	}
	args, err := splitArgs(restAfterFields(text, 8))
	if err != nil {
		return nil, err
	}
	s.Args = args
	return s, nil
}

func isDigits(s string) bool { return cstr.AllDigits(s) }

// restAfterFields returns text after its first n white-space separated fields.
func restAfterFields(text string, n int) string {
	s := text
	for i := 0; i < n; i++ {
		s = strings.TrimLeft(s, " \t\r\n")
		end := strings.IndexAny(s, " \t\r\n")
		if end < 0 {
			return ""
		}
		s = s[end:]
	}
	return s
}

// splitArgs splits the command arguments; "{ text }" is one argument with
// the braces and the white space inside them removed (util/mystrtok.c
// mystrtokq and util/extpar.c).
func splitArgs(s string) ([]string, error) {
	var args []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return args, nil
		}
		level, end := 0, 0
		for ; end < len(s); end++ {
			c := s[end]
			if level == 0 && strings.IndexByte(" \t\r\n", c) >= 0 {
				break
			}
			if c == '{' {
				level++
			} else if c == '}' && level > 0 {
				level--
			}
		}
		tok := s[:end]
		s = s[end:]
		if tok[0] != '{' {
			args = append(args, tok)
			continue
		}
		payload, rest, ok := balancedBraces(tok)
		if !ok {
			return nil, fmt.Errorf("missing '}' in \"%s\"", tok)
		}
		if rest != "" {
			return nil, fmt.Errorf("syntax error after '}' in \"%s\"", tok)
		}
		args = append(args, strings.Trim(payload, " \t\r\n"))
	}
}

// balancedBraces splits "{payload}rest" at the brace that closes the first.
func balancedBraces(s string) (payload, rest string, ok bool) {
	level := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			level++
		case '}':
			if level--; level == 0 {
				return s[1:i], s[i+1:], true
			}
		}
	}
	return "", "", false
}

// Option is one "-o name=value" of a master.cf entry.
type Option struct{ Name, Value string }

// DaemonArgs separates a service's arguments into its -o overrides, the
// generic flags (-v, -D, -S) and the remaining arguments (the pipe
// daemon's "flags=... argv=..." for example).
func (s *Service) DaemonArgs() (opts []Option, flags []string, rest []string, err error) {
	for i := 0; i < len(s.Args); i++ {
		a := s.Args[i]
		if len(a) < 2 || a[0] != '-' || a == "--" {
			return opts, flags, s.Args[i:], nil
		}
		if a != "-o" {
			flags = append(flags, a)
			continue
		}
		if i+1 >= len(s.Args) {
			return nil, nil, nil, fmt.Errorf("service %s: option -o requires a value", s.ID())
		}
		i++
		name, value, e := SplitNameValue(s.Args[i])
		if e != nil {
			return nil, nil, nil, fmt.Errorf("service %s: -o %s: %v", s.ID(), s.Args[i], e)
		}
		opts = append(opts, Option{name, value})
	}
	return opts, flags, nil, nil
}

// IsPrivate, IsUnpriv, IsChroot interpret the y/n/- fields with Postfix's
// defaults (chroot defaults to y below compatibility_level 1).
func (s *Service) IsPrivate() bool { return s.Private != "n" && s.Type != "inet" }

func (s *Service) IsUnpriv() bool { return s.Unpriv != "n" }

func (s *Service) IsChroot(c *Config) bool {
	if s.Chroot == "-" {
		lvl, err := parseCompatLevel(c.Get("compatibility_level"))
		one, _ := parseCompatLevel("1")
		return err == nil && lvl < one
	}
	return s.Chroot == "y"
}

// WakeupTime returns the wakeup period in seconds and whether it is
// conditional ("N?": only after the service was used once).
func (s *Service) WakeupTime() (int, bool) {
	w := strings.TrimSuffix(s.Wakeup, "?")
	if s.Wakeup == "-" {
		return 0, false
	}
	n, _ := strconv.Atoi(w)
	return n, w != s.Wakeup
}

// ProcessLimit returns maxproc: "-" means $default_process_limit, 0 means
// no limit.
func (s *Service) ProcessLimit(c *Config) (int, error) {
	if s.MaxProc == "-" {
		return c.Int("default_process_limit")
	}
	return strconv.Atoi(s.MaxProc)
}
