package control

import (
	"fmt"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/maillog"
)

// What Postfix's mail_params_init() (global/mail_params.c, 3.7.11) checks
// each time a program reads main.cf, postfix(1) included: the global
// parameters must have values of their type within their bounds, and a
// few must make sense together. "postfix check" (and start, stop, ...)
// stops at the first problem with Postfix's message.

// globalParams are the parameters of mail_params_init()'s tables, in the
// order it reads them; kinds and bounds come from the registry.
// TestGlobalParams keeps the list equal to the parameters that
// pkg/config/internal/gen/types.tsv declares in global/mail_params.c.
var globalParams = [][]string{
	{"compatibility_level"},
	{"mail_version", "syslog_facility", "inet_protocols", "multi_instance_directories",
		"multi_instance_group", "multi_instance_name", "maillog_file", "maillog_file_prefixes",
		"maillog_file_compressor", "maillog_file_rotate_suffix", "postlog_service_name",
		"dnssec_probe", "known_tcp_ports"},
	{"daemon_table_open_error_is_fatal", "dns_ncache_ttl_fix_enable"},
	{"smtputf8_enable", "enable_idna2003_compatibility", "respectful_logging"},
	{"myhostname", "mydomain"},
	{"mail_name", "syslog_name", "mail_owner", "setgid_group", "mydestination", "myorigin",
		"relayhost", "daemon_directory", "data_directory", "command_directory", "meta_directory",
		"queue_directory", "shlib_directory", "process_id_directory", "inet_interfaces",
		"proxy_interfaces", "double_bounce_sender", "default_privs", "alias_database",
		"mail_release_date", "default_database_type", "hash_queue_names", "recipient_delimiter",
		"relay_domains", "fast_flush_domains", "export_environment", "import_environment",
		"mynetworks_style", "debug_peer_list", "default_verp_delimiters", "verp_delimiter_filter",
		"parent_domain_matches_subdomains", "alternate_config_directories", "bounce_service_name",
		"cleanup_service_name", "defer_service_name", "pickup_service_name", "queue_service_name",
		"rewrite_service_name", "showq_service_name", "error_service_name", "flush_service_name",
		"address_verify_service_name", "trace_service_name", "proxymap_service_name",
		"proxywrite_service_name", "internal_mail_filter_classes", "multi_instance_wrapper",
		"default_delivery_status_filter", "smtputf8_autodetect_classes", "message_drop_headers",
		"info_log_address_format"},
	{"mynetworks"},
	{"default_process_limit", "max_use", "dont_remove", "line_length_limit", "hash_queue_depth",
		"fork_attempts", "deliver_lock_attempts", "debug_peer_level", "fault_injection_code",
		"berkeley_db_create_buffer_size", "berkeley_db_read_buffer_size", "header_size_limit",
		"header_address_token_limit", "mime_nesting_limit", "mime_boundary_length_limit",
		"delay_logging_resolution_limit", "tcp_windowsize"},
	{"message_size_limit", "lmdb_map_size"},
	{"disable_dns_lookups", "soft_bounce", "owner_request_special", "strict_8bitmime",
		"strict_7bit_headers", "strict_8bitmime_body", "strict_mime_encoding_domain",
		"disable_mime_input_processing", "disable_mime_output_conversion",
		"address_verify_negative_cache", "backwards_bounce_logfile_compatibility",
		"helpful_warnings", "send_cyrus_sasl_authzid", "multi_instance_enable",
		"enable_long_queue_ids", "strict_smtputf8", "enable_original_recipient"},
	{"application_event_drain_time", "max_idle", "ipc_timeout", "ipc_idle", "ipc_ttl",
		"trigger_timeout", "fork_delay", "deliver_lock_delay", "stale_lock_time",
		"daemon_timeout", "in_flow_delay"},
}

func isGlobalParam(name string) bool {
	for _, g := range globalParams {
		if slices.Contains(g, name) {
			return true
		}
	}
	return false
}

// checkParams is mail_params_init()'s validation. Accounts (mail_owner,
// setgid_group, default_privs) are checked only when running as root.
//
// XXX: Postern runs unprivileged for development and tests, with
// mail_owner and setgid_group naming the developer's own user and group,
// which Postfix's account checks would refuse.
func checkParams(cfg *config.Config, root bool) error {
	main := cfg.Dir + "/main.cf"
	steps := []func() error{
		func() error { return checkCompat(cfg.Get("compatibility_level")) },
		func() error { return checkGroup(cfg, globalParams[1]) },
		func() error { return checkFacility(cfg, main) },
		func() error { return checkGroup(cfg, globalParams[2]) },
		func() error { return checkGroup(cfg, globalParams[3]) },
		func() error { return checkNameMask("inet_protocols", cfg.Get("inet_protocols"), "all", "ipv4", "ipv6") },
		func() error { return checkHostnames(cfg, main) },
		func() error { return checkGroup(cfg, globalParams[5]) },
		func() error { return checkGroups(cfg, globalParams[7:]) },
	}
	if root {
		steps = append(steps, func() error { return checkAccounts(cfg, main) })
	}
	steps = append(steps,
		func() error { return checkMynetworks(cfg) },
		func() error { return checkSanity(cfg, main) })
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func checkGroups(cfg *config.Config, groups [][]string) error {
	for _, g := range groups {
		if err := checkGroup(cfg, g); err != nil {
			return err
		}
	}
	return nil
}

// checkGroup checks each parameter by its registry kind, with the
// messages of get_mail_conf_{str,int,long,bool,nbool,time}_table().
func checkGroup(cfg *config.Config, names []string) error {
	for _, name := range names {
		if err := checkValue(cfg, name); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(cfg *config.Config, name string) error {
	p, ok := config.LookupParam(name)
	if !ok {
		return nil
	}
	var err error
	switch p.Kind {
	case config.Int, config.Long:
		_, err = cfg.Long(name)
	case config.Bool, config.NBool:
		_, err = cfg.Bool(name)
	case config.Time:
		_, err = cfg.Duration(name)
	case config.Str:
		var v string
		if v, err = cfg.Value(name); err == nil {
			err = checkLength(name, v, p.Min, p.Max)
		}
	}
	return err
}

// checkLength is global/mail_conf_str.c check_mail_conf_str().
func checkLength(name, v string, lo, hi int64) error {
	if n := int64(len(v)); n < lo {
		return fmt.Errorf("bad string length %d < %d: %s = %s", n, lo, name, v)
	} else if hi > 0 && n > hi {
		return fmt.Errorf("bad string length %d > %d: %s = %s", n, hi, name, v)
	}
	return nil
}

// checkCompat is compat_level_from_string(): major[.minor[.patch]].
func checkCompat(level string) error {
	parts := strings.Split(level, ".")
	ok := len(parts) <= 3
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 31); err != nil || p[0] == '+' {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("malformed compatibility level syntax: \"%s\"", level)
	}
	return nil
}

// syslogFacilities are msg_syslog.c's facility names.
var syslogFacilities = []string{"auth", "authpriv", "cron", "daemon", "ftp", "kern", "lpr",
	"mail", "news", "security", "syslog", "user", "uucp",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

func checkFacility(cfg *config.Config, main string) error {
	v := cfg.Get("syslog_facility")
	for _, f := range syslogFacilities {
		if v == f {
			return nil
		}
	}
	return fmt.Errorf("file %s: parameter syslog_facility: unrecognized value: %s", main, v)
}

// checkNameMask is util/name_mask.c with NAME_MASK_FATAL: every word of
// value must be one of names.
func checkNameMask(context, value string, names ...string) error {
	for _, w := range config.SplitList(value) {
		known := false
		for _, n := range names {
			known = known || w == n
		}
		if !known {
			return fmt.Errorf("unknown %s value \"%s\" in \"%s\"", context, w, value)
		}
	}
	return nil
}

func checkHostnames(cfg *config.Config, main string) error {
	for _, name := range []string{"myhostname", "mydomain"} {
		v := cfg.Get(name)
		if err := checkLength(name, v, 1, 0); err != nil {
			return err
		}
		if gripe := hostnameGripe(v); gripe != "" {
			maillog.Warn("valid_hostname: %s", gripe)
			return fmt.Errorf("file %s: parameter %s: bad parameter value: %s", main, name, v)
		}
	}
	return nil
}

// hostnameGripe is util/valid_hostname.c without wildcards: "" for a
// valid name, else the warning valid_hostname() logs. A name has RFC 1035
// labels of letters, digits, '-' (not first or last) and '_', at most 63
// characters each and 255 in all, and is not all numeric.
func hostnameGripe(name string) string {
	if name == "" {
		return "empty hostname"
	}
	show := name
	if len(show) > 100 {
		show = show[:100]
	}
	labelLen, numeric := 0, true
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case isAlnum(ch) || ch == '_':
			labelLen++
			if labelLen > 63 {
				return "hostname label too long: " + show
			}
			numeric = numeric && ch >= '0' && ch <= '9'
		case ch == '.':
			if labelLen == 0 || i+1 == len(name) {
				return "misplaced delimiter: " + show
			}
			labelLen = 0
		case ch == '-':
			numeric = false
			labelLen++
			if labelLen == 1 || i+1 == len(name) || name[i+1] == '.' {
				return "misplaced hyphen: " + show
			}
		default:
			return fmt.Sprintf("invalid character %d(decimal): %s", ch, show)
		}
	}
	if numeric {
		return "numeric hostname: " + show
	}
	if len(name) > 255 {
		return fmt.Sprintf("bad length %d for %s...", len(name), show)
	}
	return ""
}

func isAlnum(ch byte) bool {
	return ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
}

// checkMynetworks: the mynetworks default is computed from
// mynetworks_style, which must name exactly one style (mynetworks.c).
func checkMynetworks(cfg *config.Config) error {
	if _, set := cfg.Main.Map["mynetworks"]; set {
		return nil
	}
	style := cfg.Get("mynetworks_style")
	if err := checkNameMask("mynetworks mask style", style, "class", "subnet", "host"); err != nil {
		return err
	}
	if len(config.SplitList(style)) != 1 {
		return fmt.Errorf("bad mynetworks_style value: %s; specify exactly one value", style)
	}
	return nil
}

// checkSanity is the end of mail_params_init().
func checkSanity(cfg *config.Config, main string) error {
	host, relay := cfg.Get("myhostname"), cfg.Get("relayhost")
	if strings.EqualFold(host, relay) {
		return fmt.Errorf("myhostname and relayhost parameter settings must not be identical: %s", host)
	}
	if origin := cfg.Get("myorigin"); strings.ContainsAny(origin, ", \t\r\n") {
		return fmt.Errorf("myorigin parameter setting must not contain multiple values: %s", origin)
	}
	delims, filter := cfg.Get("default_verp_delimiters"), cfg.Get("verp_delimiter_filter")
	msg := ""
	switch {
	case len(delims) != 2:
		msg = "bad VERP delimiter character count"
	case strings.IndexByte(filter, delims[0]) < 0:
		msg = "bad first VERP delimiter character"
	case strings.IndexByte(filter, delims[1]) < 0:
		msg = "bad second VERP delimiter character"
	}
	if msg != "" {
		return fmt.Errorf("file %s: parameters default_verp_delimiters and verp_delimiter_filter: %s", main, msg)
	}
	return nil
}

// account is a user's or group's name and ids.
type account struct {
	name     string
	uid, gid int
}

// checkAccounts is check_default_privs(), check_mail_owner(),
// check_sgid_group() and check_overlap().
func checkAccounts(cfg *config.Config, main string) error {
	privs, err := checkUser(main, "default_privs", cfg.Get("default_privs"), false)
	if err != nil {
		return err
	}
	owner, err := checkUser(main, "mail_owner", cfg.Get("mail_owner"), true)
	if err != nil {
		return err
	}
	sgid, err := checkSgidGroup(main, cfg.Get("setgid_group"))
	if err != nil {
		return err
	}
	return checkOverlap(main, privs, owner, sgid)
}

func checkUser(main, param, name string, shared bool) (account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, fmt.Errorf("file %s: parameter %s: unknown user name value: %s", main, param, name)
	}
	a := account{name: name}
	a.uid, _ = strconv.Atoi(u.Uid)
	a.gid, _ = strconv.Atoi(u.Gid)
	switch {
	case a.uid == 0:
		return a, fmt.Errorf("file %s: parameter %s: user %s has privileged user ID", main, param, name)
	case a.gid == 0:
		return a, fmt.Errorf("file %s: parameter %s: user %s has privileged group ID", main, param, name)
	}
	if shared {
		if other, err := user.LookupId(u.Uid); err == nil && other.Username != name {
			return a, fmt.Errorf("file %s: parameter %s: user %s has same user ID as %s", main, param, name, other.Username)
		}
	}
	return a, nil
}

func checkSgidGroup(main, name string) (account, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return account{}, fmt.Errorf("file %s: parameter setgid_group: unknown group name: %s", main, name)
	}
	a := account{name: name}
	a.gid, _ = strconv.Atoi(g.Gid)
	if a.gid == 0 {
		return a, fmt.Errorf("file %s: parameter setgid_group: group %s has privileged group ID", main, name)
	}
	if other, err := user.LookupGroupId(g.Gid); err == nil && other.Name != name {
		return a, fmt.Errorf("file %s: parameter setgid_group: group %s has same group ID as %s", main, name, other.Name)
	}
	return a, nil
}

func checkOverlap(main string, privs, owner, sgid account) error {
	switch {
	case privs.name == owner.name:
		return fmt.Errorf("file %s: parameters default_privs and mail_owner specify the same user %s", main, privs.name)
	case privs.uid == owner.uid:
		return fmt.Errorf("file %s: parameters default_privs and mail_owner: users %s and %s have the same user ID: %d", main, privs.name, owner.name, owner.uid)
	case privs.gid == owner.gid:
		return fmt.Errorf("file %s: parameters default_privs and mail_owner: users %s and %s have the same group ID: %d", main, privs.name, owner.name, owner.gid)
	case privs.gid == sgid.gid:
		return fmt.Errorf("file %s: parameters default_privs and setgid_group: user %s and group %s have the same group ID: %d", main, privs.name, sgid.name, sgid.gid)
	case owner.gid == sgid.gid:
		return fmt.Errorf("file %s: parameters mail_owner and setgid_group: user %s and group %s have the same group ID: %d", main, owner.name, sgid.name, sgid.gid)
	}
	return nil
}
