package postconf

// "unused parameter" warnings (postconf_unused.c): a main.cf or master.cf
// setting whose name is neither built in, nor per-service, nor a valid
// user-defined name. Postfix prints them in hash-table order; Postern in
// file order.

func (s *session) flagUnusedParameters(d *dict, source string, scope *masterEnt) {
	for _, name := range d.keys() {
		if s.params.find(name) != nil {
			continue
		}
		if scope != nil && scope.validNames[name] != 0 {
			continue
		}
		value, _ := d.get(name)
		s.stdout.Flush()
		s.warn("%s/%s: unused parameter: %s=%s", s.configDir, source, name, value)
	}
}

func (s *session) flagUnusedMainParameters() {
	s.flagUnusedParameters(s.main, "main.cf", nil)
}

func (s *session) flagUnusedMasterParameters() {
	for _, m := range s.master {
		if m.allParams != nil {
			s.flagUnusedParameters(m.allParams, "master.cf", m)
		}
	}
}
