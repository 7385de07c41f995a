package postconf

import (
	"errors"
	"os"
	"slices"
	"syscall"

	"github.com/postern/postern/pkg/config/cstr"
)

// Legacy database parameters (postconf_dbms.c). A table "ldap:foo" in a
// parameter value makes foo_server_host, foo_search_base, ... valid
// main.cf (or master.cf) names; a table "ldap:/path/file" makes postconf
// read that file and warn about the settings that the table type does
// not know.

// dbmsSuffixes are the settings of each database client, as Postfix 3.7
// extracts them from global/dict_*.c (extract_cfg.sh): every
// cfg_get_*() name, plus "domain", plus the legacy SQL query settings
// for the SQL types.
var dbmsSuffixes = []struct {
	dbType   string
	suffixes []string
}{
	{"ldap", []string{"bind", "bind_dn", "bind_pw", "cache", "cache_expiry", "cache_size",
		"chase_referrals", "debuglevel", "dereference", "domain", "expansion_limit",
		"leaf_result_attribute", "query_filter", "recursion_limit", "result_attribute",
		"result_filter", "result_format", "sasl_authz_id", "sasl_mechs", "sasl_minssf",
		"sasl_realm", "scope", "search_base", "server_host", "server_port", "size_limit",
		"special_result_attribute", "start_tls", "terminal_result_attribute", "timeout",
		"tls_ca_cert_dir", "tls_ca_cert_file", "tls_cert", "tls_cipher_suite", "tls_key",
		"tls_random_file", "tls_require_cert", "version"}},
	{"mysql", []string{"additional_conditions", "dbname", "domain", "expansion_limit",
		"hosts", "option_file", "option_group", "password", "query", "require_result_set",
		"result_format", "select_field", "table", "tls_CAfile", "tls_CApath",
		"tls_cert_file", "tls_ciphers", "tls_key_file", "tls_verify_cert", "user",
		"where_field"}},
	{"pgsql", []string{"additional_conditions", "dbname", "domain", "expansion_limit",
		"hosts", "password", "query", "result_format", "select_field", "select_function",
		"table", "user", "where_field"}},
	{"sqlite", []string{"additional_conditions", "dbpath", "domain", "expansion_limit",
		"query", "result_format", "select_field", "table", "where_field"}},
	{"memcache", []string{"backup", "data_size_limit", "domain", "flags", "key_format",
		"line_size_limit", "max_try", "memcache", "retry_pause", "timeout", "ttl"}},
}

// registerDBMSParameters looks for database tables in the expanded value
// of a built-in or per-service parameter (pcf_register_dbms_parameters).
func (s *session) registerDBMSParameters(value string, scope *masterEnt) error {
	v, err := s.expandValue(showEval, value, scope)
	if err != nil {
		return err
	}
	return s.dbmsHelper(v, scope)
}

func (s *session) dbmsHelper(value string, scope *masterEnt) error {
	for {
		tok, ok := mystrtokq(&value, charsCommaSP)
		if !ok {
			return nil
		}
		if tok[0] == '{' {
			if err := s.dbmsHelper(s.dbmsExtpar(tok, scope), scope); err != nil {
				return err
			}
			continue
		}
		dbType, prefix, found := splitAt(tok)
		for found && dbType == "proxy" {
			dbType, prefix, found = splitAt(prefix)
		}
		if !found {
			continue
		}
		if err := s.dbmsTable(dbType, prefix, scope); err != nil {
			return err
		}
	}
}

// dbmsTable handles one type:name table reference.
func (s *session) dbmsTable(dbType, prefix string, scope *masterEnt) error {
	i := slices.IndexFunc(dbmsSuffixes, func(d struct {
		dbType   string
		suffixes []string
	}) bool {
		return d.dbType == dbType
	})
	switch {
	case cstr.At(prefix, 0) == '/':
		if i >= 0 {
			return s.checkDBMSClient(dbType, dbmsSuffixes[i].suffixes, prefix)
		}
	case cstr.At(prefix, 0) == '.':
	case cstr.At(prefix, 0) == '{':
		return s.dbmsHelper(s.dbmsExtpar(prefix, scope), scope)
	case i >= 0:
		for _, suffix := range dbmsSuffixes[i].suffixes {
			s.flagUserParameter(prefix+"_"+suffix, paramFlagDBMS|paramFlagUser, scope)
		}
	}
	return nil
}

// dbmsExtpar removes {} around a group, warning about bad braces.
func (s *session) dbmsExtpar(tok string, scope *masterEnt) string {
	text, errText := extpar(tok, false)
	if errText != "" {
		if scope != nil {
			s.warn("master.cf:%s: %s", scope.nameSpace, errText)
		} else {
			s.warn("main.cf: %s", errText)
		}
	}
	return text
}

// splitAt splits "type:rest" at the first ':' (util/split_at.c).
func splitAt(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// checkDBMSClient reads a database client configuration file once and
// warns about its unknown settings (pcf_check_dbms_client). A file that
// postconf may not read (it may hold a password) is skipped silently.
func (s *session) checkDBMSClient(dbType string, suffixes []string, path string) error {
	spec := dbType + ":" + path
	if s.dbmsSeen == nil {
		s.dbmsSeen = map[string]bool{}
	}
	if s.dbmsSeen[spec] {
		return nil
	}
	s.dbmsSeen[spec] = true
	data, err := readRegular(path)
	if err != nil {
		if errors.Is(err, errNotRegular) {
			s.warn("open \"%s\" configuration \"%s\": not a regular file", dbType, path)
		} else if !errors.Is(err, syscall.EACCES) {
			s.warn("open \"%s\" configuration \"%s\": %s", dbType, path, strerror(err))
		}
		return nil
	}
	d := newDict()
	if err := s.loadDict(d, path, data); err != nil {
		return err
	}
	for _, suffix := range suffixes {
		d.del(suffix)
	}
	for _, name := range d.keys() {
		value, _ := d.get(name)
		s.warn("%s: unused parameter: %s=%s", spec, name, value)
	}
	return nil
}

var errNotRegular = errors.New("not a regular file")

func readRegular(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	return os.ReadFile(path)
}
