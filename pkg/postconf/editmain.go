package postconf

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// Editing main.cf with -e, -X and -# (postconf_edit.c pcf_edit_main).
// Lines that are not touched are copied byte for byte, comments and
// blank lines included; a replaced setting becomes one "name = value"
// line in place of its first occurrence and loses its continuation
// lines; new settings are appended at the end.

type mainEdit struct {
	name  string
	value string
	set   bool // value given (-e)
	found int
}

// parseMainEdits checks and collects the command-line requests.
func (s *session) parseMainEdits(args []string) ([]*mainEdit, error) {
	var reqs []*mainEdit
	for _, arg := range args {
		if strings.Contains(arg, "\n") {
			return nil, fmt.Errorf("-e, -X, or -# accepts no multi-line input")
		}
		cp := arg[cstr.SkipSpace(arg):]
		if cstr.At(cp, 0) == '#' {
			return nil, fmt.Errorf("-e, -X, or -# accepts no comment input")
		}
		r := &mainEdit{}
		if s.mode&editConf != 0 {
			name, value, errText := splitNameVal(cp)
			if errText != "" {
				return nil, fmt.Errorf("%s: \"%s\"", errText, cp)
			}
			r.name, r.value, r.set = name, value, true
		} else {
			if cp == "" {
				return nil, fmt.Errorf("-X or -# requires non-blank parameter names")
			}
			if strings.Contains(cp, "=") {
				return nil, fmt.Errorf("-X or -# requires parameter names without value")
			}
			r.name = trimSpaceRight(cp)
		}
		reqs = s.replaceMainEdit(reqs, r)
	}
	return reqs, nil
}

// replaceMainEdit adds r, dropping an earlier request for the same name.
func (s *session) replaceMainEdit(reqs []*mainEdit, r *mainEdit) []*mainEdit {
	for i, old := range reqs {
		if old.name == r.name {
			value := "(null)"
			if old.set {
				value = old.value
			}
			s.warn("ignoring earlier request: '%s = %s'", old.name, value)
			reqs = append(reqs[:i:i], reqs[i+1:]...)
			break
		}
	}
	return append(reqs, r)
}

// editMain is pcf_edit_main.
func (s *session) editMain(args []string) error {
	reqs, err := s.parseMainEdits(args)
	if err != nil {
		return err
	}
	path := s.configDir + "/main.cf"
	ep, data, err := openForEdit(path)
	if err != nil {
		return err
	}
	return ep.commit([]byte(s.editMainText(path, data, reqs)))
}

// editMainText returns the edited main.cf.
func (s *session) editMainText(path string, data []byte, reqs []*mainEdit) string {
	byName := map[string]*mainEdit{}
	for _, r := range reqs {
		byName[r.name] = r
	}
	var out strings.Builder
	r := &lineReader{data: data}
	var current *mainEdit
	for {
		line, ok := r.get()
		if !ok {
			break
		}
		cp := cstr.SkipSpace(line)
		if cp == len(line) || line[cp] == '#' {
			out.WriteString(line)
			continue
		}
		if cp > 0 {
			if current == nil {
				out.WriteString(line)
			} else if s.mode&commentOut != 0 {
				out.WriteString("#" + line)
			}
			continue
		}
		key := line[:cstr.Strcspn(line, cstr.CharsSpace+"=")]
		current = byName[key]
		switch {
		case current == nil:
			out.WriteString(line)
			continue
		case s.mode&editConf != 0:
			out.WriteString(key + " = " + current.value + "\n")
		case s.mode&commentOut != 0:
			out.WriteString("#" + line)
		}
		if current.found++; current.found == 2 {
			s.warn("%s: multiple entries for \"%s\"", path, key)
		}
	}
	if s.mode&editConf != 0 {
		for _, r := range reqs {
			if r.found == 0 {
				out.WriteString(r.name + " = " + r.value + "\n")
			}
		}
	}
	return out.String()
}
