package dict

// ldap_table(5) parameter access, as Postfix's global/cfg_parser.c: the
// parameters of an "ldap:/path" table come from a file in main.cf syntax;
// those of the obsolete "ldap:name" form come from main.cf parameters named
// "name_parameter". Values read from the file are not $-expanded
// (cfg_parser.c uses dict_lookup(), not dict_eval()).

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// ldapParameterNames are the parameter names dict_ldap.c reads, the list
// postconf(1) builds as pcf_ldap_suffixes.h (extract_cfg.sh -d: every
// cfg_get_*() name plus "domain").
var ldapParameterNames = []string{
	"bind", "bind_dn", "bind_pw", "cache", "cache_expiry", "cache_size",
	"chase_referrals", "debuglevel", "dereference", "domain",
	"expansion_limit", "leaf_result_attribute", "query_filter",
	"recursion_limit", "result_attribute", "result_filter", "result_format",
	"sasl_authz_id", "sasl_mechs", "sasl_minssf", "sasl_realm", "scope",
	"search_base", "server_host", "server_port", "size_limit",
	"special_result_attribute", "start_tls", "terminal_result_attribute",
	"timeout", "tls_ca_cert_dir", "tls_ca_cert_file", "tls_cert",
	"tls_cipher_suite", "tls_key", "tls_random_file", "tls_require_cert",
	"version",
}

// LDAPParameterNames returns the ldap_table(5) parameter names, sorted.
// postconf(1) uses them to report "unused parameter" settings in LDAP
// client files and to recognize legacy "name_parameter" main.cf names.
func LDAPParameterNames() []string {
	out := append([]string(nil), ldapParameterNames...)
	sort.Strings(out)
	return out
}

// ldapParams reads the parameters of one LDAP source.
type ldapParams struct {
	name  string              // parser name: the file path, or the main.cf prefix
	file  map[string]string   // parameters of the file; nil in the main.cf form
	param func(string) string // main.cf parameters (main.cf form only)
}

// isLDAPFile reports whether an ldap: table name is a configuration file
// (cfg_parser_alloc(): it starts with '/' or '.') rather than a main.cf
// parameter prefix.
func isLDAPFile(name string) bool {
	return strings.HasPrefix(name, "/") || strings.HasPrefix(name, ".")
}

// loadLDAPParams opens the parameter source of "ldap:name". Warnings about
// the file (duplicate settings, settings that ldap_table(5) does not know)
// go to warn.
func loadLDAPParams(name string, opts Options) (*ldapParams, error) {
	if name == "" {
		return nil, fmt.Errorf("cfg_parser_alloc: null parser name")
	}
	if !isLDAPFile(name) {
		if opts.Param == nil {
			return nil, fmt.Errorf("ldap:%s: the main.cf form of ldap_table(5) needs main.cf parameters, which this program does not pass; use ldap:/path/to/file.cf", name)
		}
		return &ldapParams{name: name, param: opts.Param}, nil
	}
	f, err := config.ReadFile(name)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("open %s: %w", name, pe.Err)
	}
	if err != nil {
		return nil, err
	}
	for _, w := range f.Warnings {
		opts.warnf("%s", w)
	}
	known := map[string]bool{}
	for _, n := range ldapParameterNames {
		known[n] = true
	}
	warned := map[string]bool{}
	for _, e := range f.Entries {
		// XXX: Postfix itself is silent here; postconf(1) prints this
		// warning. Postern also prints it when a program opens the table.
		if !known[e.Name] && !warned[e.Name] {
			warned[e.Name] = true
			opts.warnf("ldap:%s: unused parameter: %s=%s", name, e.Name, f.Map[e.Name])
		}
	}
	return &ldapParams{name: name, file: f.Map}, nil
}

// lookup returns the raw setting of a parameter.
func (p *ldapParams) lookup(name string) (string, bool) {
	if p.file != nil {
		v, ok := p.file[name]
		return v, ok
	}
	// XXX: Options.Param cannot tell an empty main.cf setting from an
	// absent one; an empty "name_parameter" therefore means the default.
	v := p.param(p.name + "_" + name)
	return v, v != ""
}

// where names a parameter in messages as cfg_parser.c does: "file: name"
// for a file, the full main.cf name otherwise.
func (p *ldapParams) where(name string) (prefix, full string) {
	if p.file != nil {
		return p.name + ": ", name
	}
	return "", p.name + "_" + name
}

// str returns a string parameter; min/max bound its length (0 = none).
func (p *ldapParams) str(name, def string, min, max int) (string, error) {
	v, ok := p.lookup(name)
	if !ok {
		v = def
	}
	pre, full := p.where(name)
	if min > 0 && len(v) < min {
		return "", fmt.Errorf("%sbad string length %d < %d: %s = %s", pre, len(v), min, full, v)
	}
	if max > 0 && len(v) > max {
		return "", fmt.Errorf("%sbad string length %d > %d: %s = %s", pre, len(v), max, full, v)
	}
	return v, nil
}

// int returns an integer parameter; min/max bound it (0 = none), as
// cfg_get_int().
func (p *ldapParams) int(name string, def, min, max int) (int, error) {
	pre, full := p.where(name)
	n := def
	if v, ok := p.lookup(name); ok {
		i, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%sbad numerical configuration: %s = %s", pre, full, v)
		}
		n = int(i)
	}
	if min != 0 && n < min {
		return 0, fmt.Errorf("%sinvalid %s parameter value %d < %d", pre, full, n, min)
	}
	if max != 0 && n > max {
		return 0, fmt.Errorf("%sinvalid %s parameter value %d > %d", pre, full, n, max)
	}
	return n, nil
}

// bool returns a yes/no parameter (case-insensitive, as cfg_get_bool()).
func (p *ldapParams) bool(name string, def bool) (bool, error) {
	v, ok := p.lookup(name)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	pre, full := p.where(name)
	return false, fmt.Errorf("%sbad boolean configuration: %s = %s", pre, full, v)
}
