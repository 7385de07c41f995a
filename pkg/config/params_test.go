package config_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/config"
)

const (
	postconfPath  = "/usr/sbin/postconf"
	stockMasterCf = "/usr/share/postfix/master.cf.dist"
)

// oraclePostconf runs the real "postconf -d" (plus flags) against a
// private config directory: empty main.cf and the given master.cf text.
func oraclePostconf(t *testing.T, masterCf string, flags ...string) map[string]string {
	t.Helper()
	if _, err := os.Stat(postconfPath); err != nil {
		t.Skip("Postfix postconf is not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "master.cf"), []byte(masterCf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(postconfPath, append([]string{"-c", dir, "-d"}, flags...)...).Output()
	if err != nil {
		t.Fatalf("postconf -d %v: %v", flags, err)
	}
	vals := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		name, val, ok := strings.Cut(line, " = ")
		if !ok {
			name, ok = strings.CutSuffix(line, " =")
		}
		if !ok {
			t.Fatalf("postconf output: cannot parse %q", line)
		}
		vals[name] = val
	}
	return vals
}

func stockMaster(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(stockMasterCf)
	if err != nil {
		t.Skipf("stock master.cf: %v", err)
	}
	return string(data)
}

func TestParamTableSortedUnique(t *testing.T) {
	ps := config.Params()
	if len(ps) < 1000 {
		t.Fatalf("only %d parameters", len(ps))
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Name >= ps[i].Name {
			t.Errorf("table not sorted/unique at %q, %q", ps[i-1].Name, ps[i].Name)
		}
	}
}

func TestParamTableMatchesPostconf(t *testing.T) {
	vals := oraclePostconf(t, stockMaster(t))
	for name, val := range vals {
		p, ok := config.LookupParam(name)
		if !ok {
			t.Errorf("%s: printed by postconf -d, not in the table", name)
			continue
		}
		if !p.Dynamic && !p.Deviates && p.Default != val {
			t.Errorf("%s: default %q, postconf -d says %q", name, p.Default, val)
		}
	}
	for _, p := range config.Params() {
		if _, ok := vals[p.Name]; !ok {
			t.Errorf("%s: in the table, not printed by postconf -d", p.Name)
		}
	}
}

// TestParamKinds checks each default against its kind: literal numbers
// and time values must parse and lie within the bounds; a default that
// uses $name must do so once expanded ("postconf -dx").
func TestParamKinds(t *testing.T) {
	var expanded map[string]string
	if _, err := os.Stat(postconfPath); err == nil {
		expanded = oraclePostconf(t, stockMaster(t), "-x")
	}
	for _, p := range config.Params() {
		if p.Max != 0 && p.Min > p.Max {
			t.Errorf("%s: min %d > max %d", p.Name, p.Min, p.Max)
		}
		if (p.Unit != 0) != (p.Kind == config.Time) {
			t.Errorf("%s: kind %v with unit %q", p.Name, p.Kind, p.Unit)
		}
		if p.Dynamic && p.Kind != config.Str && p.Kind != config.Int {
			t.Errorf("%s: dynamic %v parameter", p.Name, p.Kind)
		}
		val := p.Default
		if strings.Contains(val, "$") {
			if expanded == nil {
				continue
			}
			val = expanded[p.Name]
		}
		if err := checkKind(p, val); err != nil {
			t.Errorf("%s = %q (default %q): %v", p.Name, val, p.Default, err)
		}
	}
}

func checkKind(p config.Param, val string) error {
	switch p.Kind {
	case config.Int, config.Long:
		if p.Dynamic && val == "" { // process_id
			return nil
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return err
		}
		return checkBounds(p, n)
	case config.Bool, config.NBool:
		if val != "yes" && val != "no" {
			return strconv.ErrSyntax
		}
	case config.Time:
		// global/mail_conf_time.c get_def_time_unit: the default unit is
		// the first letter of the expanded default.
		if i := strings.IndexAny(val, "smhdw"); i < 0 || val[i] != p.Unit {
			return fmt.Errorf("default unit %q does not match the default", p.Unit)
		}
		n, err := parseTestTime(val, p.Unit)
		if err != nil {
			return err
		}
		return checkBounds(p, n)
	}
	return nil
}

func checkBounds(p config.Param, n int64) error {
	if n < p.Min || (p.Max != 0 && n > p.Max) {
		return strconv.ErrRange
	}
	return nil
}

// parseTestTime converts a Postfix time value to seconds (util/conv_time.c:
// digits, then at most one unit letter, else the default unit).
func parseTestTime(s string, unit byte) (int64, error) {
	digits := strings.TrimRight(s, "smhdw")
	if len(s)-len(digits) > 1 {
		return 0, strconv.ErrSyntax
	}
	if len(digits) < len(s) {
		unit = s[len(s)-1]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, err
	}
	mult := map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[unit]
	if mult == 0 {
		return 0, strconv.ErrSyntax
	}
	return n * mult, nil
}

// customServices are master.cf services of each kind postconf_service.c
// knows, with names no built-in parameter starts with.
var customServices = []struct{ service, command, line string }{
	{"mytrans", "smtp", "mytrans unix - - n - - smtp"},
	{"mypipe", "pipe", "mypipe unix - n n - - pipe\n  flags=F user=nobody argv=/bin/true"},
	{"mypolicy", "spawn", "mypolicy unix - n n - 0 spawn\n  user=nobody argv=/bin/true"},
	{"myqmgr", "qmgr", "myqmgr unix n - n 300 1 qmgr"},
}

func TestServiceParamsMatchPostconf(t *testing.T) {
	master := stockMaster(t)
	for _, s := range customServices {
		master += s.line + "\n"
	}
	vals := oraclePostconf(t, master)
	for _, s := range customServices {
		want := map[string]string{}
		for name, val := range vals {
			if strings.HasPrefix(name, s.service+"_") {
				want[name] = val
			}
		}
		got := map[string]string{}
		for _, p := range config.ServiceParamsFor(s.service, "/usr/libexec/x/"+s.command) {
			got[p.Name] = p.Default
		}
		if !mapsEqual(got, want) {
			t.Errorf("%s (%s): ServiceParamsFor = %v, postconf -d prints %v", s.service, s.command, got, want)
		}
	}
}

func TestBuiltinParamsMatchPostconf(t *testing.T) {
	vals := oraclePostconf(t, "")
	var got []string
	for _, p := range config.BuiltinParams() {
		got = append(got, p.Name)
	}
	var want []string
	for name := range vals {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("BuiltinParams has %d names, postconf -d with an empty master.cf prints %d", len(got), len(want))
	}
}

func TestServiceParams(t *testing.T) {
	ps := config.ServiceParams("relay")
	if len(ps) != 17 {
		t.Fatalf("ServiceParams(relay): %d parameters, want 17", len(ps))
	}
	byName := map[string]config.Param{}
	for _, p := range ps {
		byName[p.Name] = p
	}
	p := byName["relay_destination_concurrency_limit"]
	if p.Kind != config.Int || p.Default != "$default_destination_concurrency_limit" {
		t.Errorf("relay_destination_concurrency_limit: %+v", p)
	}
	if p := byName["relay_time_limit"]; p.Kind != config.Time || p.Unit != 's' || p.Min != 1 {
		t.Errorf("relay_time_limit: %+v", p)
	}
	// A built-in definition wins over the derived one.
	for _, p := range config.ServiceParams("local") {
		if p.Name == "local_destination_concurrency_limit" && p.Default != "2" {
			t.Errorf("local_destination_concurrency_limit: %+v", p)
		}
	}
	if ps := config.ServiceParamsFor("x", "qmgr"); len(ps) != 0 {
		t.Errorf("ServiceParamsFor(x, qmgr) = %v", ps)
	}
}

func TestLookupParam(t *testing.T) {
	for name, def := range map[string]string{
		"myorigin":      "$myhostname",
		"smtpd_timeout": "${stress?{10}:{300}}s",
	} {
		p, ok := config.LookupParam(name)
		if !ok || p.Default != def {
			t.Errorf("LookupParam(%s) = %+v, %v", name, p, ok)
		}
	}
	if p, _ := config.LookupParam("smtpd_timeout"); p.Kind != config.Time || p.Unit != 's' || p.Min != 1 {
		t.Errorf("smtpd_timeout: %+v", p)
	}
	if _, ok := config.LookupParam("no_such_parameter"); ok {
		t.Error("LookupParam(no_such_parameter) found")
	}
	// postconf_builtin.c pcf_legacy_str_table
	for _, name := range []string{"virtual_maps", "fallback_relay", "authorized_verp_clients",
		"smtpd_client_connection_limit_exceptions", "postscreen_dnsbl_ttl",
		"postscreen_blacklist_action", "postscreen_dnsbl_whitelist_threshold",
		"postscreen_whitelist_interfaces", "lmtp_per_record_deadline",
		"smtp_per_record_deadline", "smtpd_per_record_deadline",
		"tlsproxy_client_level", "tlsproxy_client_policy"} {
		if _, ok := config.LookupParam(name); ok || !config.IsLegacyParam(name) {
			t.Errorf("%s: not a legacy parameter", name)
		}
	}
	if config.IsLegacyParam("virtual_alias_maps") {
		t.Error("IsLegacyParam(virtual_alias_maps)")
	}
	if !config.IsReadOnlyParam("process_id") || config.IsReadOnlyParam("myhostname") {
		t.Error("IsReadOnlyParam")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
