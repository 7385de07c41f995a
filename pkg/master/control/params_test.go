package control

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/config"
)

// TestGlobalParams: the parameters checked as mail_params_init() does are
// those that Postfix 3.7.11 declares in global/mail_params.c, as the
// registry's type map records them.
func TestGlobalParams(t *testing.T) {
	f, err := os.Open("../../config/internal/gen/types.tsv")
	if err != nil {
		t.Skipf("type map: %v", err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) == 5 && slices.Contains(strings.Split(fields[4], ","), "global/mail_params.c") {
			want = append(want, fields[0])
		}
	}
	var got []string
	for _, g := range globalParams {
		got = append(got, g...)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("globalParams differ from types.tsv:\n got %v\nwant %v", got, want)
	}
	for _, name := range got {
		if _, ok := config.LookupParam(name); !ok {
			t.Errorf("%s: not in the registry", name)
		}
	}
}

func loadMain(t *testing.T, lines ...string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	text := strings.Join(append([]string{"myhostname = mx.example.com"}, lines...), "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), []byte(text), 0644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCheckParams: mail_params_init()'s messages, as the real "postfix
// check" prints them (the process-level comparison is
// tests/postfix_check_test.go).
func TestCheckParams(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"", ""},
		{"default_process_limit = abc", "bad numerical configuration: default_process_limit = abc"},
		{"default_process_limit = 0", "invalid default_process_limit parameter value 0 < 1"},
		{"message_size_limit = 10x", "bad numerical configuration: message_size_limit = 10x"},
		{"soft_bounce = maybe", "bad boolean configuration: soft_bounce = maybe"},
		{"ipc_timeout = 5x", "parameter ipc_timeout: bad time value or unit: 5x"},
		{"in_flow_delay = 11s", "invalid in_flow_delay: 11 (max 10)"},
		{"mail_name =", "bad string length 0 < 1: mail_name = "},
		{"default_verp_delimiters = +=-", "bad string length 3 > 2: default_verp_delimiters = +=-"},
		{"default_verp_delimiters = +!", "file DIR/main.cf: parameters default_verp_delimiters and verp_delimiter_filter: bad second VERP delimiter character"},
		{"inet_protocols = ipv5", `unknown inet_protocols value "ipv5" in "ipv5"`},
		{"syslog_facility = mial", "file DIR/main.cf: parameter syslog_facility: unrecognized value: mial"},
		{"compatibility_level = 3.x", `malformed compatibility level syntax: "3.x"`},
		{"myhostname = bad..name", "file DIR/main.cf: parameter myhostname: bad parameter value: bad..name"},
		{"myhostname = 1234", "file DIR/main.cf: parameter myhostname: bad parameter value: 1234"},
		{"relayhost = MX.example.com", "myhostname and relayhost parameter settings must not be identical: mx.example.com"},
		{"myorigin = a.example, b.example", "myorigin parameter setting must not contain multiple values: a.example, b.example"},
		{"mynetworks_style = subnet, host", "bad mynetworks_style value: subnet, host; specify exactly one value"},
		{"mynetworks_style = net", `unknown mynetworks mask style value "net" in "net"`},
		{"biff = maybe", ""}, // not a global parameter: a warning of check, not fatal
	} {
		cfg := loadMain(t, c.line)
		err := checkParams(cfg, false)
		got := ""
		if err != nil {
			got = strings.ReplaceAll(err.Error(), cfg.Dir, "DIR")
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.line, got, c.want)
		}
	}
}

func TestHostnameGripe(t *testing.T) {
	for name, want := range map[string]string{
		"mx.example.com": "", "a_b.example": "", "x-1.example": "", "localhost": "",
		"":                             "empty hostname",
		"a..b":                         "misplaced delimiter: a..b",
		".a":                           "misplaced delimiter: .a",
		"a.":                           "misplaced delimiter: a.",
		"-a.b":                         "misplaced hyphen: -a.b",
		"a-.b":                         "misplaced hyphen: a-.b",
		"1.2.3.4":                      "numeric hostname: 1.2.3.4",
		"a b":                          "invalid character 32(decimal): a b",
		strings.Repeat("a", 64) + ".b": "hostname label too long: " + strings.Repeat("a", 64) + ".b",
	} {
		if got := hostnameGripe(name); got != want {
			t.Errorf("hostnameGripe(%q) = %q, want %q", name, got, want)
		}
	}
}
