package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// stockMasterCf is the master.cf that Postfix ships; its delivery services
// (smtp, relay, local, virtual, lmtp, error, retry and the pipe examples)
// make postconf -d print their per-service parameters.
const stockMasterCf = "/usr/share/postfix/master.cf.dist"

// postconfDefaults runs "postconf -d" (plus extra flags, e.g. -x) against a
// private configuration directory holding an empty main.cf and the stock
// master.cf, so that neither the local main.cf (mydomain influences
// myhostname) nor a locally edited master.cf changes the result. It returns
// name -> value and the names in output order.
func postconfDefaults(postconf string, flags ...string) (map[string]string, []string, error) {
	dir, err := os.MkdirTemp("", "postconf-gen")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	master, err := os.ReadFile(stockMasterCf)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "master.cf"), master, 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
		return nil, nil, err
	}
	args := append([]string{"-c", dir, "-d"}, flags...)
	cmd := exec.Command(postconf, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %v: %s", postconf, strings.Join(args, " "), err, stderr.String())
	}
	return parsePostconf(out)
}

// parsePostconf parses "name = value" lines; value is everything after the
// first " = " (postconf prints "name =" for an empty value).
func parsePostconf(out []byte) (map[string]string, []string, error) {
	vals := map[string]string{}
	var names []string
	for i, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		name, val, ok := strings.Cut(line, " = ")
		if !ok {
			name, ok = strings.CutSuffix(line, " =")
		}
		if !ok || name == "" {
			return nil, nil, fmt.Errorf("postconf output line %d: cannot parse %q", i+1, line)
		}
		if _, dup := vals[name]; dup {
			return nil, nil, fmt.Errorf("postconf output line %d: duplicate %s", i+1, name)
		}
		vals[name] = val
		names = append(names, name)
	}
	return vals, names, nil
}
