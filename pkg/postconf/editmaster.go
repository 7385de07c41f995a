package postconf

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// Editing master.cf (postconf_edit.c pcf_edit_master): -Me replaces or
// adds whole entries, -Fe replaces a field, -Pe sets and -PX removes a
// "-o name=value", -MX removes and -M# comments out entries. Untouched
// lines are copied byte for byte; a changed entry is printed as "-Mf"
// prints it.

type masterEdit struct {
	raw     string
	pattern []string
	field   int
	param   string
	value   string
	matches int
}

const masterEditOpts = "-Me, -Fe, -Pe, -X, or -#"

// errNoService is the fatal "missing service argument" of editing.
var errNoService = errors.New("missing service argument")

// parseMasterEdits checks and collects the command-line requests.
func (s *session) parseMasterEdits(args []string) ([]*masterEdit, error) {
	var reqs []*masterEdit
	for _, arg := range args {
		if strings.Contains(arg, "\n") {
			return nil, fmt.Errorf("%s accept no multi-line input", masterEditOpts)
		}
		cp := arg[cstr.SkipSpace(arg):]
		if cstr.At(cp, 0) == '#' {
			return nil, fmt.Errorf("%s accept no comment input", masterEditOpts)
		}
		r := &masterEdit{raw: arg}
		pattern := cp
		if s.mode&editConf != 0 {
			name, value, errText := splitNameVal(cp)
			if errText != "" {
				return nil, fmt.Errorf("%s: \"%s\"", errText, arg)
			}
			pattern, r.value = name, value
		} else {
			if strings.Contains(cp, "=") {
				return nil, fmt.Errorf("-X or -# requires names without value")
			}
			pattern = trimSpaceRight(cp)
		}
		if err := s.parseMasterEditPattern(r, pattern); err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

func (s *session) parseMasterEditPattern(r *masterEdit, pattern string) error {
	switch s.mode & masterMask {
	case masterEntry:
		if r.pattern = parseServicePattern(pattern, 2, 2); r.pattern == nil {
			return fmt.Errorf("-Me, -MX or -M# requires service_name/type")
		}
	case masterFld:
		if r.pattern = parseServicePattern(pattern, 3, 3); r.pattern == nil {
			return fmt.Errorf("-Fe or -FX requires service_name/type/field_name")
		}
		field, err := parseFieldPattern(r.pattern[2])
		if err != nil {
			return err
		}
		if r.field = field; field == fldWildcard {
			return fmt.Errorf("-Fe does not accept wild-card field name")
		}
		if s.mode&editConf != 0 && field < fldCmd && strings.ContainsAny(r.value, masterBlanks) {
			return fmt.Errorf("-Fe does not accept whitespace in non-command field")
		}
	case masterParam:
		if r.pattern = parseServicePattern(pattern, 3, 3); r.pattern == nil {
			return fmt.Errorf("-Pe or -PX requires service_name/type/parameter")
		}
		if r.param = r.pattern[2]; r.param == "*" {
			return fmt.Errorf("-Pe does not accept wild-card parameter name")
		}
		if s.mode&editConf != 0 && strings.ContainsAny(r.value, masterBlanks) {
			return fmt.Errorf("-Pe does not accept whitespace in parameter value")
		}
	}
	return nil
}

// editMaster is pcf_edit_master.
func (s *session) editMaster(args []string) error {
	reqs, err := s.parseMasterEdits(args)
	if err != nil {
		return err
	}
	path := s.configDir + "/master.cf"
	ep, data, err := openForEdit(path)
	if err != nil {
		return err
	}
	e := &masterEditor{s: s, path: path, reqs: reqs, r: &lineReader{data: data}}
	if err := e.run(); err != nil {
		ep.cleanup()
		return err
	}
	return ep.commit([]byte(e.out.String()))
}

// masterEditor is the state of one master.cf edit.
type masterEditor struct {
	s       *session
	path    string
	reqs    []*masterEdit
	r       *lineReader
	out     strings.Builder
	lineno  int
	matched bool       // the current entry matched a request
	entry   *masterEnt // its replacement, if any
}

func (e *masterEditor) run() error {
	for {
		line, cp, ok := e.nextContentLine()
		if !ok {
			break
		}
		if cp > 0 {
			e.continuation(line)
			continue
		}
		if err := e.entryStart(line); err != nil {
			return err
		}
	}
	return e.addUnmatched()
}

// nextContentLine copies comment and blank lines and returns the next
// line with content, and where its content starts.
func (e *masterEditor) nextContentLine() (string, int, bool) {
	for {
		line, ok := e.r.get()
		if !ok {
			return "", 0, false
		}
		e.lineno++
		cp := cstr.SkipSpace(line)
		if cp == len(line) || line[cp] == '#' {
			e.out.WriteString(line)
			continue
		}
		return line, cp, true
	}
}

func (e *masterEditor) continuation(line string) {
	if !e.matched {
		e.out.WriteString(line)
	} else if e.s.mode&commentOut != 0 {
		e.out.WriteString("#" + line)
	}
}

// entryStart handles the first line of an entry: match it against every
// request and copy, replace, drop or comment it out.
func (e *masterEditor) entryStart(line string) error {
	e.matched = false
	rest := line
	name, ok1 := mystrtok(&rest, masterBlanks)
	typ, ok2 := mystrtok(&rest, masterBlanks)
	if !ok1 || !ok2 {
		return fmt.Errorf("file %s: line %d: specify service name and type on the same line", e.path, e.lineno)
	}
	if strings.Contains(name, "=") {
		return fmt.Errorf("file %s: line %d: service name syntax \"%s\" is unsupported with %s", e.path, e.lineno, name, masterEditOpts)
	}
	if strings.ContainsAny(typ, "=/") {
		return fmt.Errorf("file %s: line %d: service type syntax \"%s\" is unsupported with %s", e.path, e.lineno, typ, masterEditOpts)
	}
	for _, req := range e.reqs {
		if err := e.apply(req, line, name, typ); err != nil {
			return err
		}
	}
	switch {
	case e.entry != nil:
		text, err := e.s.masterEntryText(foldLine, e.entry)
		if err != nil {
			return err
		}
		e.out.WriteString(text)
		e.entry = nil
	case !e.matched:
		e.out.WriteString(line)
	case e.s.mode&commentOut != 0:
		e.out.WriteString("#" + line)
	}
	return nil
}

// apply matches one request against the entry name/type.
func (e *masterEditor) apply(req *masterEdit, line, name, typ string) error {
	s := e.s
	var tentative *masterEnt
	if s.mode&masterEntry != 0 && s.mode&editConf != 0 {
		m, err := s.parseNewEntry(req)
		if err != nil {
			return err
		}
		tentative = m
	}
	use := false
	switch {
	case matchService(req.pattern, name, typ):
		e.matched = true
		req.matches++
		if s.mode&editConf == 0 && !(s.mode&masterParam != 0 && s.mode&editExcl != 0) {
			break
		}
		if s.mode&masterEntry != 0 {
			use = req.matches == 1
			break
		}
		if err := e.editEntry(req, line); err != nil {
			return err
		}
	case tentative != nil && matchService(tentative.argv, name, typ):
		e.matched = true
		req.matches++
		use = req.matches == 1
	}
	if tentative != nil && use {
		e.entry = tentative
	}
	return nil
}

// parseNewEntry parses the entry that -Me supplies.
func (s *session) parseNewEntry(req *masterEdit) (*masterEnt, error) {
	m, errText, err := s.parseMasterEntry(req.value)
	if err != nil {
		return nil, err
	}
	if errText != "" {
		return nil, fmt.Errorf("%s: \"%s\"", errText, req.raw)
	}
	return m, nil
}

// editEntry changes a field or parameter of the current entry, reading
// the whole entry first. As in Postfix, comment lines that follow the
// entry are copied before the changed entry.
func (e *masterEditor) editEntry(req *masterEdit, line string) error {
	s := e.s
	if e.entry == nil {
		full := e.gobble(line)
		m, errText, err := s.parseMasterEntry(full)
		if err != nil {
			return err
		}
		if errText != "" {
			return fmt.Errorf("file %s: line %d: %s", e.path, e.lineno, errText)
		}
		e.entry = m
	}
	if s.mode&masterFld != 0 {
		return s.editMasterField(e.entry, req.field, req.value)
	}
	editMasterParam(e.entry, s.mode, req.param, req.value)
	return nil
}

// gobble collects the continuation lines of an entry, copying comment
// and blank lines on the way (pcf_gobble_cf_line).
func (e *masterEditor) gobble(first string) string {
	full := first
	for {
		next := e.r.peek()
		if next != '#' && !(next >= 0 && cstr.IsSpace(byte(next))) {
			return full
		}
		line, _ := e.r.get()
		cp := cstr.SkipSpace(line)
		if cp == len(line) || line[cp] == '#' {
			e.out.WriteString(line)
			continue
		}
		full += line
	}
}

// addUnmatched appends the new entries of -Me that replaced nothing, and
// warns about -Fe/-Pe/-PX requests that matched no entry.
func (e *masterEditor) addUnmatched() error {
	s := e.s
	for _, req := range e.reqs {
		if req.matches != 0 {
			continue
		}
		if s.mode&masterEntry != 0 && s.mode&editConf != 0 {
			m, err := s.parseNewEntry(req)
			if err != nil {
				return err
			}
			text, err := s.masterEntryText(foldLine, m)
			if err != nil {
				return err
			}
			e.out.WriteString(text)
		} else if s.mode&masterEntry == 0 {
			s.warn("unmatched service_name/type: \"%s\"", req.raw)
		}
	}
	return nil
}

// editMasterField replaces a field; a new command replaces the command
// and all its arguments (pcf_edit_master_field).
func (s *session) editMasterField(m *masterEnt, field int, value string) error {
	if field == fldCmd {
		m.argv = append(m.argv[:fldCmd:fldCmd], argvSplitq(value, masterBlanks)...)
		m.argv = s.normalizeDaemonArgs(m.argv)
	} else {
		m.argv[field] = value
	}
	return checkMasterEntry(m.argv, value)
}

// editMasterParam updates, adds or removes "-o name=value"
// (pcf_edit_master_param).
func editMasterParam(m *masterEnt, mode int, name, value string) {
	argv := m.argv
	matched := false
	field := masterMinFields
	for ; field < len(argv); field++ {
		arg := argv[field]
		if cstr.At(arg, 0) != '-' || arg == "--" {
			break
		}
		if !daemonOptionWithValue(arg) || field+1 >= len(argv) {
			continue
		}
		if aval := argv[field+1]; arg == "-o" && strings.HasPrefix(aval, name) && cstr.At(aval, len(name)) == '=' {
			matched = true
			if mode&editConf != 0 {
				argv[field+1] = name + "=" + value
			} else {
				argv = slices.Delete(argv, field, field+2)
				field -= 2
			}
		}
		field++
	}
	if mode&editConf != 0 && !matched {
		argv = slices.Insert(argv, field, "-o", name+"="+value)
	}
	m.argv = argv
}
