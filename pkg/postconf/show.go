package postconf

import (
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// Showing main.cf parameters (postconf_main.c, postconf_lookup.c,
// postconf_print.c).

// showMain prints all parameters or the named ones, then warns about
// unused settings.
func (s *session) showMain(o *options) error {
	if s.mode&showDefs == 0 {
		if err := s.readParameters(); err != nil {
			return err
		}
		if err := s.setParameters(o.overrides); err != nil {
			return err
		}
	}
	s.initDefaults()
	s.registerBuiltinParameters()
	if err := s.readMaster(false); err != nil {
		return err
	}
	s.registerServiceParameters()
	if s.mode&showDefs == 0 {
		if err := s.registerUserParameters(); err != nil {
			return err
		}
	}
	if err := s.showParameters(o.classMask, o.args); err != nil {
		return err
	}
	if s.mode&showDefs == 0 {
		s.flagUnusedMainParameters()
		s.flagUnusedMasterParameters()
	}
	return nil
}

// showParameters is pcf_show_parameters.
func (s *session) showParameters(classMask int, names []string) error {
	if len(names) == 0 {
		for _, name := range s.params.sortedNames() {
			if n := s.params.nodes[name]; n.flags&classMask != 0 {
				if err := s.printParameter(name, n); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, name := range names {
		n := s.params.find(name)
		if n == nil {
			s.warn("%s: unknown parameter", name)
			continue
		}
		if err := s.printParameter(name, n); err != nil {
			return err
		}
	}
	return nil
}

// printParameter is pcf_print_parameter.
func (s *session) printParameter(name string, n *paramNode) error {
	value, ok := s.lookupValue(s.mode, name, nil, n)
	if !ok {
		return nil
	}
	if s.mode&hideValue != 0 {
		s.printLine(s.mode, name)
		return nil
	}
	if s.mode&showEval != 0 && n.flags&paramFlagRaw == 0 {
		v, err := s.expandValue(s.mode, value, nil)
		if err != nil {
			return err
		}
		value = v
	}
	if s.mode&hideName == 0 {
		s.printLine(s.mode, name+" = "+value)
	} else {
		s.printLine(s.mode, value)
	}
	return nil
}

// lookupValue finds a parameter's value (pcf_lookup_parameter_value):
// master.cf settings of the scope, then main.cf, then the default. With
// -n only explicit settings count; with -d only defaults.
func (s *session) lookupValue(mode int, name string, scope *masterEnt, n *paramNode) (string, bool) {
	if mode&showDefs == 0 {
		if scope != nil {
			if v, ok := scope.roParams.get(name); ok {
				return v, true
			}
			if v, ok := scope.allParams.get(name); ok {
				return v, true
			}
		}
		if v, ok := s.main.get(name); ok {
			return v, true
		}
		if mode&showNondef != 0 {
			return "", false
		}
	}
	if n == nil {
		if n = s.params.find(name); n == nil {
			return "", false
		}
	}
	return s.defaultValue(name, n), true
}

// expandValue expands $name recursively (pcf_expand_parameter_value);
// when looking up names, -n is ignored and -d is honoured.
func (s *session) expandValue(mode int, value string, scope *masterEnt) (string, error) {
	mode &^= showNondef
	lookup := func(name string) (string, bool) {
		return s.lookupValue(mode, name, scope, nil)
	}
	out, status := macExpand(value, macRecurse, lookup, s.warn)
	if status&macParseError != 0 {
		return "", errMacro
	}
	return out, nil
}

// printLine prints text with white space normalized, folded at 80
// columns with -f (pcf_print_line). Text is one output line.
func (s *session) printLine(mode int, text string) {
	var b strings.Builder
	lineLen := 0
	rest := text
	for {
		word, ok := mystrtok(&rest, cstr.CharsSpace)
		if !ok {
			break
		}
		if lineLen > 0 {
			if mode&foldLine == 0 || lineLen+len(word) < lineLimit {
				b.WriteByte(' ')
				lineLen++
			} else {
				b.WriteString("\n" + indentText)
				lineLen = len(indentText)
			}
		}
		b.WriteString(word)
		lineLen += len(word)
	}
	b.WriteByte('\n')
	s.out(b.String())
}

// Line folding (postconf.h PCF_LINE_LIMIT, PCF_INDENT_TEXT).
const (
	lineLimit  = 80
	indentText = "    "
)
