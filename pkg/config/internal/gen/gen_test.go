package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParsePostconf(t *testing.T) {
	vals, names, err := parsePostconf([]byte("a = x = y\nb =\nc = $d\n"))
	if err != nil {
		t.Fatal(err)
	}
	if vals["a"] != "x = y" || vals["b"] != "" || vals["c"] != "$d" || len(names) != 3 {
		t.Errorf("got %q %q", vals, names)
	}
	for _, bad := range []string{"junk\n", "a = 1\na = 2\n", " = x\n"} {
		if _, _, err := parsePostconf([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTimeUnit(t *testing.T) {
	for in, want := range map[string]byte{"300s": 's', "1h": 'h', "0w": 'w', "10m": 'm'} {
		if got, err := timeUnit(in); err != nil || got != want {
			t.Errorf("timeUnit(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"300", "", "5x"} {
		if _, err := timeUnit(bad); err == nil {
			t.Errorf("timeUnit(%q): no error", bad)
		}
	}
}

// TestScanSource runs the extractor on a miniature source tree.
func TestScanSource(t *testing.T) {
	src := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("global/mail_params.h", `#define VAR_T "t_param" /* comment */
#define VAR_DEF_X "default_x"
#define VAR_S "sender_" VAR_DEF_X "_maps"
#define MAX_T 100
#define DEF_S "abc\
def"
`)
	write("smtpd/smtpd.c", `    static const CONFIG_TIME_TABLE time_table[] = {
	VAR_T, DEF_T, &var_t, 1, MAX_T,
	0,
    };
    static const CONFIG_STR_TABLE str_table[] = {
	VAR_S, DEF_S, &var_s, 0, 0,
	0,
    };
`)
	s, err := scanSource(src)
	if err != nil {
		t.Fatal(err)
	}
	types, err := typesFromSource(s)
	if err != nil {
		t.Fatal(err)
	}
	if ti := types["t_param"]; ti.kind != "time" || ti.min != 1 || ti.max != 100 {
		t.Errorf("t_param: %+v", ti)
	}
	if ti := types["sender_default_x_maps"]; ti.kind != "str" || ti.source != "smtpd/smtpd.c" {
		t.Errorf("sender_default_x_maps: %+v", ti)
	}
	if d := s.defaults("DEF_S"); len(d) != 1 || d[0] != "abcdef" {
		t.Errorf("DEF_S = %q", d)
	}
}
