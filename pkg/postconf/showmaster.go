package postconf

import (
	"fmt"
)

// Showing master.cf: -M (entries), -F (fields), -P (-o parameters).

// masterRequest is one name/type[/field|parameter] filter argument.
type masterRequest struct {
	raw     string
	pattern []string
	field   int
	matches int
}

// showMaster reads master.cf and main.cf, registers the parameters and
// prints what -M, -F or -P asks for, then warns about unused master.cf
// settings.
func (s *session) showMaster(o *options) error {
	if err := s.readMaster(true); err != nil {
		return err
	}
	if err := s.readParameters(); err != nil {
		return err
	}
	if err := s.setParameters(o.overrides); err != nil {
		return err
	}
	s.initDefaults()
	s.registerBuiltinParameters()
	s.registerServiceParameters()
	if err := s.registerUserParameters(); err != nil {
		return err
	}
	var err error
	switch {
	case s.mode&masterFld != 0:
		err = s.showMasterFields(o.args)
	case s.mode&masterParam != 0:
		err = s.showMasterParams(o.args)
	default:
		err = s.showMasterEntries(o.args)
	}
	if err != nil {
		return err
	}
	s.flagUnusedMasterParameters()
	return nil
}

// parseRequests parses the filter arguments of -M (max 2 components) or
// -F and -P (max 3).
func parseRequests(args []string, max int, usage string) ([]*masterRequest, error) {
	var reqs []*masterRequest
	for _, a := range args {
		p := parseServicePattern(a, 1, max)
		if p == nil {
			return nil, fmt.Errorf("%s", usage)
		}
		reqs = append(reqs, &masterRequest{raw: a, pattern: p})
	}
	return reqs, nil
}

func (s *session) warnUnmatched(reqs []*masterRequest) {
	for _, r := range reqs {
		if r.matches == 0 {
			s.warn("unmatched request: \"%s\"", r.raw)
		}
	}
}

// showMasterEntries is pcf_show_master_entries.
func (s *session) showMasterEntries(args []string) error {
	reqs, err := parseRequests(args, 2, "-M option requires service_name[/type]")
	if err != nil {
		return err
	}
	for _, m := range s.master {
		for _, r := range reqs {
			if matchService(r.pattern, m.argv[0], m.argv[1]) {
				r.matches++
				if err := s.printMasterEntry(m); err != nil {
					return err
				}
			}
		}
		if len(reqs) == 0 {
			if err := s.printMasterEntry(m); err != nil {
				return err
			}
		}
	}
	s.warnUnmatched(reqs)
	return nil
}

func (s *session) printMasterEntry(m *masterEnt) error {
	text, err := s.masterEntryText(s.mode, m)
	if err != nil {
		return err
	}
	s.out(text)
	return nil
}

// showMasterFields is pcf_show_master_fields.
func (s *session) showMasterFields(args []string) error {
	var reqs []*masterRequest
	for _, a := range args {
		r, err := parseRequests([]string{a}, 3, "-F option requires service_name[/type[/field]]")
		if err != nil {
			return err
		}
		if r[0].field, err = parseFieldPattern(r[0].pattern[2]); err != nil {
			return err
		}
		reqs = append(reqs, r[0])
	}
	for _, m := range s.master {
		for _, r := range reqs {
			if matchService(r.pattern, m.argv[0], m.argv[1]) {
				r.matches++
				if err := s.printMasterFields(m, r.field); err != nil {
					return err
				}
			}
		}
		if len(reqs) == 0 {
			if err := s.printMasterFields(m, fldWildcard); err != nil {
				return err
			}
		}
	}
	s.warnUnmatched(reqs)
	return nil
}

// printMasterFields prints one field, or all eight for fldWildcard.
func (s *session) printMasterFields(m *masterEnt, field int) error {
	first, last := field, field
	if field == fldWildcard {
		first, last = 0, fldCmd
	}
	for f := first; f <= last; f++ {
		text, err := s.masterFieldText(s.mode, m, f)
		if err != nil {
			return err
		}
		s.out(text)
	}
	return nil
}

// showMasterParams is pcf_show_master_params.
func (s *session) showMasterParams(args []string) error {
	reqs, err := parseRequests(args, 3, "-P option requires service_name[/type[/parameter]]")
	if err != nil {
		return err
	}
	for _, m := range s.master {
		if m.allParams == nil {
			continue
		}
		if len(reqs) == 0 {
			if err := s.printMasterAnyParam(s.mode, m); err != nil {
				return err
			}
			continue
		}
		for _, r := range reqs {
			if err := s.showMasterParamRequest(m, r); err != nil {
				return err
			}
		}
	}
	s.warnUnmatched(reqs)
	return nil
}

func (s *session) showMasterParamRequest(m *masterEnt, r *masterRequest) error {
	if !matchService(r.pattern, m.argv[0], m.argv[1]) {
		return nil
	}
	if r.pattern[2] == "*" {
		r.matches++
		return s.printMasterAnyParam(s.mode, m)
	}
	value, ok := m.allParams.get(r.pattern[2])
	if !ok {
		return nil
	}
	r.matches++
	return s.printMasterParam(s.mode, m, r.pattern[2], value)
}
