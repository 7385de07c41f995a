package config

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExpandedDefaultsMatchPostconf expands every default with an empty
// main.cf and compares with the real "postconf -dx" (Postfix 3.7).
func TestExpandedDefaultsMatchPostconf(t *testing.T) {
	if _, err := exec.LookPath("/usr/sbin/postconf"); err != nil {
		t.Skip("real postconf not installed")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0644)
	os.WriteFile(filepath.Join(dir, "master.cf"), nil, 0644)
	out, err := exec.Command("/usr/sbin/postconf", "-c", dir, "-dx").Output()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	buildDependent := map[string]bool{}
	for _, p := range Params() {
		if p.Deviates || p.Dynamic && p.Name != "myhostname" && p.Name != "mydomain" && p.Name != "mynetworks" {
			buildDependent[p.Name] = true
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	checked := 0
	for sc.Scan() {
		name, want, _ := strings.Cut(sc.Text(), " =")
		want = strings.TrimPrefix(want, " ")
		if buildDependent[name] || dependsOnBuild(c, name, buildDependent) {
			continue
		}
		got, err := c.Value(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if normalizeSpace(got) != normalizeSpace(want) {
			t.Errorf("%s = %q, postconf -dx says %q", name, got, want)
		}
		checked++
	}
	if checked < 800 {
		t.Errorf("only %d parameters compared", checked)
	}
}

// dependsOnBuild reports whether a default refers to a build-time value.
func dependsOnBuild(c *Config, name string, build map[string]bool) bool {
	def, _ := c.Default(name)
	for b := range build {
		if strings.Contains(def, "$"+b) || strings.Contains(def, "${"+b) || strings.Contains(def, "$("+b) {
			return true
		}
	}
	return false
}

// postconf prints values with white space normalized (pcf_print_line).
func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestConfigLayers(t *testing.T) {
	f, _ := Parse("main.cf", []byte("myhostname = mx.example.com\nsmtpd_timeout = 30\ndefault_process_limit = abc\nbiff = maybe\nrelay_domains = $mydestination\n"))
	c := New("/etc/postfix", f)
	if got := c.Get("mydomain"); got != "example.com" {
		t.Errorf("mydomain = %q", got)
	}
	if got := c.Get("myorigin"); got != "mx.example.com" {
		t.Errorf("myorigin = %q", got)
	}
	if d, err := c.Duration("smtpd_timeout"); err != nil || d.Seconds() != 30 {
		t.Errorf("smtpd_timeout = %v %v", d, err)
	}
	c.Set("stress", "yes")
	c.Main.Map["smtpd_timeout"] = "${stress?{10}:{300}}s"
	if d, _ := c.Duration("smtpd_timeout"); d.Seconds() != 10 {
		t.Errorf("stress override: %v", d)
	}
	if _, err := c.Int("default_process_limit"); err == nil || err.Error() != "bad numerical configuration: default_process_limit = abc" {
		t.Errorf("bad int: %v", err)
	}
	if _, err := c.Bool("biff"); err == nil || err.Error() != "bad boolean configuration: biff = maybe" {
		t.Errorf("bad bool: %v", err)
	}
	c.Set("maximal_queue_lifetime", "2")
	if d, _ := c.Duration("maximal_queue_lifetime"); d.Hours() != 48 {
		t.Errorf("default unit d: %v", d)
	}
	if got := c.Get("relay_destination_concurrency_limit"); got != "20" {
		t.Errorf("per-service default: %q", got)
	}
}

// Debian's "myorigin = /etc/mailname": the first line of the file.
func TestMyoriginFromFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "mailname")
	os.WriteFile(name, []byte("example.org\nignored\n"), 0644)
	f, _ := Parse("main.cf", []byte("myorigin = "+name+"\n"))
	c := New(dir, f)
	if got, err := c.Value("myorigin"); err != nil || got != "example.org" {
		t.Errorf("myorigin = %q, %v", got, err)
	}
	f.Map["myorigin"] = filepath.Join(dir, "missing")
	if _, err := c.Value("myorigin"); err == nil || !strings.Contains(err.Error(), "myorigin: file "+dir+"/missing: no such file") {
		t.Errorf("missing file: %v", err)
	}
}
