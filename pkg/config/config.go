// Package config reads Postfix's main.cf and holds the registry of every
// parameter (name, type, default, bounds), as Postfix's global/mail_conf*.c
// and mail_params.h do. Every Postern program reads its parameters through
// a Config; values are expanded lazily, at use time, with the main.cf
// definition (or a master.cf -o override) taking precedence over the
// built-in default.
//
// Parameters read: config_directory (from the -c option or
// $MAIL_CONFIG), compatibility_level and whatever the caller asks for.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Build-time defaults; a build may set them with -ldflags -X, as Postfix's
// makedefs does (Debian uses /usr/lib/postfix/sbin for daemon_directory).
var (
	DefaultConfigDirectory  = "/etc/postfix"
	DefaultDaemonDirectory  = "/usr/libexec/postfix"
	DefaultCommandDirectory = "/usr/sbin"
	DefaultQueueDirectory   = "/var/spool/postfix"
	DefaultDataDirectory    = "/var/lib/postfix"
	DefaultMetaDirectory    = "/etc/postfix"
	DefaultShlibDirectory   = "no"
)

// Config is one program's view of the configuration: main.cf, the
// overrides of its master.cf entry (-o name=value) and the defaults.
type Config struct {
	Dir       string // config_directory
	Main      *File  // main.cf as read; empty when it does not exist
	overrides map[string]string
	dynamic   map[string]string
	computing map[string]bool // dynamic defaults being computed
	// Undefined is called for each $name that expands to an undefined
	// parameter (postconf warns); nil means silently empty, as daemons do.
	Undefined func(name string)
}

// ConfigDir returns the configuration directory a program should use:
// the -c argument when given, else $MAIL_CONFIG, else the built-in default.
func ConfigDir(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv("MAIL_CONFIG"); env != "" {
		return env
	}
	return DefaultConfigDirectory
}

// Load reads dir/main.cf. A missing main.cf is an error, as Postfix's
// "open /etc/postfix/main.cf: No such file or directory".
func Load(dir string) (*Config, error) {
	path := filepath.Join(dir, "main.cf")
	f, err := ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open %s: No such file or directory", path)
		}
		return nil, err
	}
	return New(dir, f), nil
}

// New returns a Config over an already parsed main.cf (nil for none).
func New(dir string, main *File) *Config {
	if main == nil {
		main = &File{Path: filepath.Join(dir, "main.cf"), Map: map[string]string{}}
	}
	// As Postfix's set_config_dir(): the directory in use is a parameter
	// value of its own (postconf -n shows it when -c or MAIL_CONFIG named it).
	return &Config{Dir: dir, Main: main, overrides: map[string]string{"config_directory": dir}}
}

// Set overrides a parameter for this process (master.cf -o name=value,
// or a value a program sets for itself such as process_name).
func (c *Config) Set(name, value string) { c.overrides[name] = value }

// Overrides returns the names set with Set.
func (c *Config) Overrides() map[string]string { return c.overrides }

// Raw returns a parameter's unexpanded value and whether it is defined:
// override, then main.cf, then the built-in default.
func (c *Config) Raw(name string) (string, bool) {
	if v, ok := c.overrides[name]; ok {
		return v, true
	}
	if v, ok := c.Main.Map[name]; ok {
		return v, true
	}
	return c.Default(name)
}

// Default returns the built-in default of a parameter ("postconf -d").
func (c *Config) Default(name string) (string, bool) {
	p, ok := LookupParam(name)
	if !ok {
		return serviceParamDefault(name)
	}
	if p.Dynamic {
		return c.dynamicDefault(name, p.Default), true
	}
	return p.Default, true
}

// Expander returns the expander this Config uses for its values.
func (c *Config) Expander() *Expander {
	return &Expander{Lookup: c.Raw, Undefined: c.Undefined}
}

func isRawParam(name string) bool {
	p, ok := LookupParam(name)
	return ok && p.Kind == Raw
}

// Expand expands $name references in s against this configuration.
func (c *Config) Expand(s string) (string, error) { return c.Expander().Expand(s) }

// Value returns a parameter's expanded value. Raw-kind parameters are
// returned unexpanded.
func (c *Config) Value(name string) (string, error) {
	v, ok := c.Raw(name)
	if !ok {
		return "", fmt.Errorf("unknown parameter: %s", name)
	}
	if isRawParam(name) {
		return v, nil
	}
	v, err := c.Expand(v)
	if err != nil {
		return "", fmt.Errorf("parameter %s: %v", name, err)
	}
	if name == "myorigin" && strings.HasPrefix(v, "/") {
		return readMailname(v)
	}
	return v, nil
}

// readMailname implements Debian's Postfix patch for "myorigin =
// /etc/mailname": a value that is a file name means the first line of that
// file. Debian's installed main.cf uses it, so a drop-in must too.
func readMailname(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("myorigin: file %s: %v", path, err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("myorigin: file %s is empty", path)
	}
	return line, nil
}

// Get returns a parameter's expanded value, "" for an unknown parameter or
// a value that cannot be expanded (callers that must be strict use Value).
func (c *Config) Get(name string) string {
	v, _ := c.Value(name)
	return v
}

// List returns a parameter's value split on commas and white space, the
// separators of Postfix's list-valued parameters.
func (c *Config) List(name string) []string { return SplitList(c.Get(name)) }

// SplitList splits on ", \t\r\n" (CHARS_COMMA_SP), keeping "{ ... }"
// groups together as Postfix's mystrtokq does.
func SplitList(s string) []string {
	var out []string
	level, start := 0, -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		sep := level == 0 && strings.IndexByte(", \t\r\n", ch) >= 0
		switch {
		case ch == '{':
			level++
		case ch == '}' && level > 0:
			level--
		}
		if sep {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// Bool returns a yes/no parameter ("bad boolean configuration").
func (c *Config) Bool(name string) (bool, error) {
	v, err := c.Value(name)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("bad boolean configuration: %s = %s", name, v)
}

// Int returns an integer parameter within its registered bounds.
func (c *Config) Int(name string) (int, error) {
	n, err := c.Long(name)
	return int(n), err
}

// Long returns a 64-bit integer parameter within its registered bounds.
func (c *Config) Long(name string) (int64, error) {
	v, err := c.Value(name)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || v == "" || v[0] == '+' {
		return 0, fmt.Errorf("bad numerical configuration: %s = %s", name, v)
	}
	if p, ok := LookupParam(name); ok {
		if n < p.Min {
			return 0, fmt.Errorf("invalid %s parameter value %d < %d", name, n, p.Min)
		}
		if p.Max != 0 && n > p.Max {
			return 0, fmt.Errorf("invalid %s parameter value %d > %d", name, n, p.Max)
		}
	}
	return n, nil
}

// Duration returns a time parameter: a number with an optional unit
// (s, m, h, d, w); without a unit the parameter's default unit applies.
func (c *Config) Duration(name string) (time.Duration, error) {
	v, err := c.Value(name)
	if err != nil {
		return 0, err
	}
	unit := byte('s')
	p, known := LookupParam(name)
	if known && p.Unit != 0 {
		unit = p.Unit
	}
	secs, ok := ParseTime(v, unit)
	if !ok {
		return 0, fmt.Errorf("parameter %s: bad time value or unit: %s", name, v)
	}
	if known {
		if secs < p.Min {
			return 0, fmt.Errorf("invalid %s: %d (min %d)", name, secs, p.Min)
		}
		if p.Max != 0 && secs > p.Max {
			return 0, fmt.Errorf("invalid %s: %d (max %d)", name, secs, p.Max)
		}
	}
	return time.Duration(secs) * time.Second, nil
}

// ParseTime converts "number[unit]" to seconds (util/conv_time.c).
func ParseTime(v string, defUnit byte) (int64, bool) {
	if v == "" {
		return 0, false
	}
	num, unit := v, defUnit
	if last := v[len(v)-1]; last < '0' || last > '9' {
		num, unit = v[:len(v)-1], last
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num[0] == '+' {
		return 0, false
	}
	mult := map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}[unit]
	if mult == 0 {
		return 0, false
	}
	return n * mult, true
}
