package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestParametersDocUpToDate fails while docs/parameters.md differs from
// what the registry and the source give now.
func TestParametersDocUpToDate(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "docs", "parameters.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go generate ./pkg/config/internal/docgen", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("docs/parameters.md is out of date (run go generate ./pkg/config/internal/docgen); line %d:\n has: %s\nwant: %s", i+1, g, w)
		}
	}
}

// TestScanAndMatch runs the scan on a miniature tree.
func TestScanAndMatch(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		path := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(path), 0755)
		if err := os.WriteFile(path, []byte(text), 0644); err != nil {
			t.Fatal(err)
		}
	}
	write("pkg/a/a.go", `package a
// smtpd_banner is named in a comment only.
var Params = []string{"myhostname", "queue_directory"}
func read(get func(string) string, pfx, transport, kind string) {
	get(pfx + "tcp_port")
	get(transport + "_destination_rate_delay")
	get("default_concurrency_" + kind + "_feedback")
	get(pfx + word(pfx) + "_keywords")
}
func word(pfx string) string { return "x" }
var suffixes = []string{"_recipient_limit"}
var prefix = map[bool]string{false: "smtp_", true: "lmtp_"}
`)
	write("pkg/a/unsupported.go", `package a
var unsupportedParams = []string{"header_checks", "tls_policy_maps"}
`)
	write("pkg/a/a_test.go", `package a
var _ = "relayhost"
`)
	write("pkg/config/c.go", `package config
var _ = "mydomain"
`)
	write("cmd/b/main.go", `package main
func main() { _ = "mydomain" }
`)
	names := []string{"default_concurrency_negative_feedback", "header_checks", "lmtp_tcp_port", "local_recipient_limit",
		"myhostname", "mydomain", "queue_directory", "relayhost", "smtp_destination_rate_delay", "smtp_discard_keywords",
		"smtp_tcp_port", "smtp_tls_policy_maps", "smtpd_banner", "smtpd_tcp_port", "xyz_destination_rate_delay"}
	lits, err := scan(root)
	if err != nil {
		t.Fatal(err)
	}
	uses := match(lits, names)
	want := map[string]string{
		"myhostname": "read a", "queue_directory": "read a", "mydomain": "read cmd/b",
		"smtp_tcp_port": "read a", "lmtp_tcp_port": "read a",
		"smtp_destination_rate_delay": "read a", "xyz_destination_rate_delay": "read a",
		"default_concurrency_negative_feedback": "read a", "local_recipient_limit": "read a",
		"smtp_discard_keywords": "read a",
		"header_checks":         "refused a", "smtp_tls_policy_maps": "refused a",
	}
	for _, n := range names {
		got := ""
		if u := uses[n]; u != nil {
			if len(u.read) > 0 {
				got = "read " + strings.Join(u.read, " ")
			}
			if len(u.refused) > 0 {
				got = strings.TrimSpace(got + " refused " + strings.Join(u.refused, " "))
			}
		}
		if got != want[n] {
			t.Errorf("%s: %q, want %q", n, got, want[n])
		}
	}
	via := throughDefaults(uses, map[string]string{"myhostname": "$mydomain", "queue_directory": "${relayhost}/x",
		"relayhost": "$smtpd_banner", "mydomain": "", "smtpd_banner": ""}, names)
	if via["relayhost"] != "queue_directory" || via["smtpd_banner"] != "relayhost" || len(via) != 2 {
		t.Errorf("through defaults: %v", via)
	}
	if !slices.Contains(prefixLiterals(lits, names), "smtp_") {
		t.Errorf("prefixes: %v", prefixLiterals(lits, names))
	}
}
