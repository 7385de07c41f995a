package config

import (
	"slices"
	"strings"
)

// The parameter registry: lookups over paramTable (params_table.go, which
// is generated; see there) and the per-service parameters that Postfix's
// postconf/postconf_service.c derives from master.cf.

//go:generate go run ./internal/gen

// posternDefaults are the defaults Postern changes on purpose, each for a
// reason given in docs/compatibility.md. The generated table keeps
// Postfix 3.7's; init applies these and marks the entries Deviates.
var posternDefaults = map[string]string{
	// No SMTP smuggling by default: Postfix 3.9's default (3.7 says "no").
	"smtpd_forbid_bare_newline": "normalize",
}

func init() {
	for i := range paramTable {
		if v, ok := posternDefaults[paramTable[i].Name]; ok {
			paramTable[i].Default, paramTable[i].Deviates = v, true
		}
	}
}

// LookupParam returns the registry entry of a parameter that Postfix 3.7
// "postconf -d" prints. Per-service parameters of services other than
// those of the stock master.cf are not found here: see ServiceParamsFor.
func LookupParam(name string) (Param, bool) {
	i, ok := slices.BinarySearchFunc(paramTable, name, func(p Param, n string) int {
		return strings.Compare(p.Name, n)
	})
	if !ok {
		return Param{}, false
	}
	return paramTable[i], true
}

// Params returns every registry entry, sorted by name. The slice is a copy.
func Params() []Param {
	return slices.Clone(paramTable)
}

// BuiltinParams returns the registry entries that do not come from a
// service of the stock master.cf: Params() minus the per-service
// parameters of smtp, relay, local, ... that "postconf -d" prints only
// because the stock master.cf has those services. postconf -d on another
// master.cf prints BuiltinParams() plus ServiceParamsFor() of its services.
func BuiltinParams() []Param {
	out := make([]Param, 0, len(paramTable))
	for _, p := range paramTable {
		if !isStockServiceParam(p) {
			out = append(out, p)
		}
	}
	return out
}

// ServiceParams returns every per-service parameter Postfix may derive
// for a service or transport name: <service>_destination_concurrency_limit
// and the other qmgr per-transport settings (qmgr_transport.c reads them
// for any transport name), and <service>_time_limit (pipe, spawn). A name
// with a built-in definition (local_destination_recipient_limit = 1) keeps
// it. Sorted by name.
func ServiceParams(service string) []Param {
	var out []Param
	for i := range perServiceParamSuffixes {
		out = append(out, serviceParam(service, i))
	}
	return sortParams(out)
}

// ServiceParamsFor returns the per-service parameters that postconf
// (postconf_service.c) registers for a master.cf service whose command
// (the basename of the command field) is command: the qmgr per-transport
// set for local, error, virtual, smtp, lmtp and pipe; <service>_time_limit
// for pipe and spawn; none for other commands. Sorted by name.
func ServiceParamsFor(service, command string) []Param {
	command = command[strings.LastIndexByte(command, '/')+1:]
	var out []Param
	for i, s := range perServiceParamSuffixes {
		if slices.Contains(s.Commands, command) {
			out = append(out, serviceParam(service, i))
		}
	}
	return sortParams(out)
}

// serviceParam is the registry entry of service + perServiceParamSuffixes[i]:
// the built-in one when there is one, else the derived one.
func serviceParam(service string, i int) Param {
	s := perServiceParamSuffixes[i]
	if p, ok := LookupParam(service + s.Suffix); ok {
		return p
	}
	return Param{Name: service + s.Suffix, Kind: s.Kind, Default: s.DefaultFmt,
		Unit: s.Unit, Min: s.Min, Max: s.Max}
}

// isStockServiceParam reports whether p is in paramTable only because a
// service of the stock master.cf derives it (the generator refuses a
// table where a built-in parameter would look like this).
func isStockServiceParam(p Param) bool {
	for _, svc := range stockServices {
		rest, ok := strings.CutPrefix(p.Name, svc.Service)
		if !ok {
			continue
		}
		for _, s := range perServiceParamSuffixes {
			if rest == s.Suffix && p.Default == s.DefaultFmt && slices.Contains(s.Commands, svc.Command) {
				return true
			}
		}
	}
	return false
}

func sortParams(ps []Param) []Param {
	slices.SortFunc(ps, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	return ps
}

// legacyParams are the obsolete names that postconf still recognizes as a
// migration aid (postconf_builtin.c pcf_legacy_str_table): "postconf -d"
// does not print them, but setting one in main.cf is not an unused
// parameter, and "postconf -n" prints it.
var legacyParams = []string{
	"authorized_verp_clients",
	"fallback_relay",
	"lmtp_per_record_deadline",
	"postscreen_blacklist_action",
	"postscreen_dnsbl_ttl",
	"postscreen_dnsbl_whitelist_threshold",
	"postscreen_whitelist_interfaces",
	"smtp_per_record_deadline",
	"smtpd_client_connection_limit_exceptions",
	"smtpd_per_record_deadline",
	"tlsproxy_client_level",
	"tlsproxy_client_policy",
	"virtual_maps",
}

// IsLegacyParam reports whether name is a legacy parameter name.
func IsLegacyParam(name string) bool {
	_, ok := slices.BinarySearch(legacyParams, name)
	return ok
}

// readOnlyParams are set by the running program, never by main.cf:
// postconf warns "read-only parameter assignment" and ignores the setting
// (postconf_builtin.c PCF_PARAM_FLAG_READONLY, postconf_user.c).
var readOnlyParams = []string{"process_id", "process_name", "service_name"}

// IsReadOnlyParam reports whether name is a read-only parameter.
func IsReadOnlyParam(name string) bool {
	return slices.Contains(readOnlyParams, name)
}
