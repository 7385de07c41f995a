package postconf

import (
	"fmt"

	"github.com/postern/postern/pkg/config/cstr"
)

// User-defined parameters (postconf_user.c): a name that is not built in
// is "valid" when it is both referenced as $name (or listed in
// smtpd_restriction_classes) and given a value in main.cf or in the same
// master.cf entry. Names referenced but defined nowhere are "undefined
// parameter" warnings; names defined but valid nowhere are later "unused
// parameter" warnings (unused.go).

// registerUserParameters is pcf_register_user_parameters.
func (s *session) registerUserParameters() error {
	s.restClasses = map[string]bool{}
	s.buildMasterNamespaces()
	for _, m := range s.master {
		if m.allParams != nil {
			if err := s.scanNamespace(m.allParams, m.nameSpace, m); err != nil {
				return err
			}
		}
	}
	s.scanDefaultValues()
	return s.scanNamespace(s.main, "mail_dict", nil)
}

// buildMasterNamespaces collects the -o name=value settings of each
// master.cf entry. Entries with the same service/type share them, as
// they share one dictionary in Postfix.
func (s *session) buildMasterNamespaces() {
	spaces := map[string]*dict{}
	for _, m := range s.master {
		argv := m.argv
		for field := masterMinFields; field < len(argv); field++ {
			arg := argv[field]
			if cstr.At(arg, 0) != '-' || arg == "--" {
				break
			}
			if !daemonOptionWithValue(arg) || field+1 >= len(argv) {
				continue
			}
			if arg == "-o" {
				if name, value, errText := splitNameVal(argv[field+1]); errText == "" {
					if spaces[m.nameSpace] == nil {
						spaces[m.nameSpace] = newDict()
					}
					spaces[m.nameSpace].update(name, value)
				}
			}
			field++
		}
		if d := spaces[m.nameSpace]; d != nil {
			m.allParams = d
			m.validNames = map[string]int{}
		}
	}
}

// scanNamespace validates the names in one name space: main.cf (scope
// nil) or a master.cf entry (pcf_scan_user_parameter_namespace).
func (s *session) scanNamespace(d *dict, dictName string, scope *masterEnt) error {
	source := sourceName(scope)
	if v, ok := d.get("smtpd_restriction_classes"); ok {
		classes, err := s.dictEval(d, dictName, v)
		if err != nil {
			return err
		}
		for {
			name, ok := mystrtok(&classes, charsCommaSP)
			if !ok {
				break
			}
			if scope == nil {
				s.restClasses[name] = true
			}
			s.flagUserParameter(name, paramFlagUser, scope)
		}
	}
	for _, name := range d.keys() {
		value, _ := d.get(name)
		if scope != nil && scope.validNames[name] == 0 && s.restClasses[name] {
			scope.validNames[name] = paramFlagUser
		}
		n := s.params.find(name)
		if n != nil {
			if n.flags&paramFlagReadonly != 0 {
				s.warn("%s/%s: read-only parameter assignment: %s=%s", s.configDir, source, name, value)
				d.del(name)
				continue
			}
			if n.flags&paramFlagLegacy != 0 {
				n.flags = n.flags&^paramMaskClass | paramFlagUser
			}
			if n.flags&paramFlagRaw != 0 {
				continue
			}
		}
		s.scanValue(value, paramFlagUser, scope)
		if n != nil && n.flags&(paramFlagBuiltin|paramFlagService) != 0 {
			if err := s.registerDBMSParameters(value, scope); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanDefaultValues scans the defaults of parameters left at their
// default, which may name obsolete parameters that main.cf still sets
// (pcf_scan_default_parameter_values).
func (s *session) scanDefaultValues() {
	for _, name := range s.params.sortedNames() {
		n := s.params.nodes[name]
		if n.flags&paramFlagRaw != 0 {
			continue
		}
		if _, set := s.main.get(name); set {
			continue
		}
		s.scanValue(s.defaultValue(name, n), paramFlagUser, nil)
	}
}

// scanValue calls flagUserParameter for every $name in value.
func (s *session) scanValue(value string, class int, scope *masterEnt) {
	lookup := func(name string) (string, bool) {
		s.flagUserParameter(name, class, scope)
		return "", false
	}
	macExpand(value, macScan, lookup, s.warn)
}

// flagUserParameter makes a referenced name valid where it has a value,
// and warns when it has none (pcf_flag_user_parameter).
func (s *session) flagUserParameter(name string, class int, scope *masterEnt) {
	userSupplied := false
	if _, ok := scope.params().get(name); scope != nil && ok {
		userSupplied = true
		if scope.validNames[name] == 0 {
			scope.validNames[name] = class
		}
	} else if _, ok := s.main.get(name); ok {
		userSupplied = true
		if s.params.find(name) == nil {
			s.params.enter(name, class, "")
		}
	}
	if scope == nil {
		for _, m := range s.master {
			if _, ok := m.allParams.get(name); ok {
				userSupplied = true
				if m.validNames[name] == 0 {
					m.validNames[name] = class
				}
			}
		}
	}
	if !userSupplied && class&paramFlagDBMS == 0 && s.params.find(name) == nil {
		s.warn("%s/%s: undefined parameter: %s", s.configDir, sourceName(scope), name)
	}
}

func (m *masterEnt) params() *dict {
	if m == nil {
		return nil
	}
	return m.allParams
}

func sourceName(scope *masterEnt) string {
	if scope != nil {
		return "master.cf"
	}
	return "main.cf"
}

// dictEval expands value with the names of d only (util/dict.c
// dict_eval, recursive).
func (s *session) dictEval(d *dict, dictName, value string) (string, error) {
	out, status := macExpand(value, macRecurse, d.get, s.warn)
	if status&macParseError != 0 {
		return "", fmt.Errorf("dictionary %s: macro processing error", dictName)
	}
	return out, nil
}
