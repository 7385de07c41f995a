package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// entry is one generated Param.
type entry struct {
	name, kind, def string
	unit            byte
	min, max        int64
	dynamic         string // reason, "" when static
}

// stockService is a service of the stock master.cf that gets per-service
// parameters.
type stockService struct{ service, command string }

// buildEntries joins postconf -d (defaults), postconf -dx (expanded, for
// time units) and the type map. Every printed name must get a type, and
// every typed name must be printed: a mismatch means types.tsv is stale.
func buildEntries(vals, expanded map[string]string, names []string, types map[string]typeInfo) ([]entry, error) {
	var out []entry
	var errs []string
	for _, name := range names {
		e, err := makeEntry(name, vals, expanded, types)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, e)
	}
	for _, name := range sortedKeys(types) {
		if _, ok := vals[name]; !ok {
			errs = append(errs, name+": in the type map but not printed by postconf -d")
		}
	}
	for _, name := range sortedKeys(dynamic) {
		if _, ok := vals[name]; !ok {
			errs = append(errs, name+": marked dynamic but not printed by postconf -d")
		}
	}
	if errs != nil {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

func makeEntry(name string, vals, expanded map[string]string, types map[string]typeInfo) (entry, error) {
	e := entry{name: name, def: vals[name], dynamic: dynamic[name]}
	if name == pidParam {
		e.def = ""
	}
	ti, ok := types[name]
	serviceTime := false
	if !ok {
		base, found := serviceBase(name, e.def)
		if ti, ok = types[base]; !found || !ok {
			return e, fmt.Errorf("%s: no type: not in the type map and not a per-service parameter", name)
		}
		serviceTime = true
	}
	e.kind, e.min, e.max = validKinds[ti.kind], ti.min, ti.max
	if e.kind != "Time" {
		return e, nil
	}
	if serviceTime {
		e.unit = 's' // get_mail_conf_time2(..., 's', ...)
		return e, nil
	}
	unit, err := timeUnit(expanded[name])
	if err != nil {
		return e, fmt.Errorf("%s: %v", name, err)
	}
	e.unit = unit
	return e, nil
}

// serviceBase returns the parameter whose value a per-service parameter
// defaults to, when name is <service><suffix> with default "$<base>".
func serviceBase(name, def string) (string, bool) {
	for _, s := range serviceSuffixes {
		if strings.HasSuffix(name, s.suffix) && len(name) > len(s.suffix) && def == "$"+s.base {
			return s.base, true
		}
	}
	return "", false
}

// timeUnit is the default time unit of a time parameter: the first letter
// of its expanded default (global/mail_conf_time.c get_def_time_unit).
func timeUnit(expanded string) (byte, error) {
	for i := 0; i < len(expanded); i++ {
		c := expanded[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			if !strings.ContainsRune("smhdw", rune(c)) {
				return 0, fmt.Errorf("bad time unit %q in default %q", c, expanded)
			}
			return c, nil
		}
	}
	return 0, fmt.Errorf("missing time unit in default %q", expanded)
}

// stockServices reads master.cf and returns its services whose command
// (the basename of the 8th field) gets per-service parameters.
func stockServices(path string) ([]stockService, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, list := range commandLists {
		for _, c := range list {
			known[c] = true
		}
	}
	var out []stockService
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || line[0] == '#' || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 8 {
			return nil, fmt.Errorf("%s: bad service line %q", path, line)
		}
		cmd := f[7][strings.LastIndex(f[7], "/")+1:]
		if known[cmd] {
			out = append(out, stockService{f[0], cmd})
		}
	}
	return out, nil
}

// checkServiceAmbiguity refuses a built-in parameter that looks exactly
// like a per-service one of a stock service: config.BuiltinParams could
// not tell them apart.
func checkServiceAmbiguity(services []stockService, types map[string]typeInfo, vals map[string]string) error {
	for _, svc := range services {
		for _, s := range serviceSuffixes {
			name := svc.service + s.suffix
			if _, builtin := types[name]; builtin && vals[name] == "$"+s.base &&
				slices.Contains(commandLists[s.commands], svc.command) {
				return fmt.Errorf("%s: built-in parameter with a per-service default", name)
			}
		}
	}
	return nil
}
