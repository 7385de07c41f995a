package postconf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// The table of "valid" parameter names (postconf.h PCF_PARAM_TABLE):
// the built-in parameters of the registry in pkg/config, the legacy
// names, the per-service parameters of the services in master.cf and the
// user-defined names that are both referenced as $name and given a value.

// Parameter flags (postconf.h PCF_PARAM_FLAG_*).
const (
	paramFlagRaw      = 1 << 0 // value is never expanded
	paramFlagBuiltin  = 1 << 1
	paramFlagService  = 1 << 2
	paramFlagUser     = 1 << 3
	paramFlagLegacy   = 1 << 4
	paramFlagReadonly = 1 << 5
	paramFlagDBMS     = 1 << 6

	paramMaskClass = paramFlagBuiltin | paramFlagService | paramFlagUser
)

type paramNode struct {
	flags    int
	registry bool   // the default comes from the registry in pkg/config
	def      string // else the default: "$name" for service parameters
}

type paramTable struct {
	nodes map[string]*paramNode
	s     *session
}

func (s *session) registerBuiltinParameters() {
	t := &paramTable{nodes: map[string]*paramNode{}, s: s}
	for _, p := range config.BuiltinParams() {
		flags := paramFlagBuiltin
		if p.Kind == config.Raw {
			flags |= paramFlagRaw
		}
		if config.IsReadOnlyParam(p.Name) {
			flags |= paramFlagReadonly
		}
		t.nodes[p.Name] = &paramNode{flags: flags, registry: true}
	}
	s.params = t
}

// find returns the node of a valid name, nil for an unknown one. Legacy
// names are entered on first use.
func (t *paramTable) find(name string) *paramNode {
	if n, ok := t.nodes[name]; ok {
		return n
	}
	if config.IsLegacyParam(name) {
		n := &paramNode{flags: paramFlagLegacy}
		t.nodes[name] = n
		return n
	}
	return nil
}

func (t *paramTable) enter(name string, flags int, def string) {
	t.nodes[name] = &paramNode{flags: flags, def: def}
}

// sortedNames returns every name in the table, sorted.
func (t *paramTable) sortedNames() []string {
	names := make([]string, 0, len(t.nodes))
	for n := range t.nodes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// defaultValue is a node's default value (pcf_convert_param_node).
func (s *session) defaultValue(name string, n *paramNode) string {
	if !n.registry {
		return n.def
	}
	switch name {
	case "config_directory":
		return config.DefaultConfigDirectory
	case "process_name":
		return basename(s.prog)
	case "process_id":
		return fmt.Sprint(s.pid)
	case "service_name":
		return ""
	}
	v, _ := s.defaults.Default(name)
	return v
}

// registerServiceParameters adds the per-service parameters of the
// delivery services in master.cf (postconf_service.c): the qmgr
// per-transport settings for local, error, virtual, smtp, lmtp and pipe,
// and <service>_time_limit for pipe and spawn. As in Postfix the command
// field must be the bare program name.
func (s *session) registerServiceParameters() {
	for _, m := range s.master {
		command := m.argv[7]
		if strings.Contains(command, "/") {
			continue
		}
		for _, p := range config.ServiceParamsFor(m.argv[0], command) {
			if n := s.params.find(p.Name); n != nil {
				n.flags = n.flags&^paramMaskClass | paramFlagService
				continue
			}
			s.params.enter(p.Name, paramFlagService, p.Default)
		}
	}
}
