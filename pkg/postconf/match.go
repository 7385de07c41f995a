package postconf

import (
	"fmt"
	"slices"
	"strings"
)

// Service, field and parameter patterns of -M, -F and -P
// (postconf_match.c): "name/type/field" with "*" as a whole component
// matching anything.

// parseServicePattern splits a pattern into min..max components, filling
// missing ones with "*"; nil means a bad pattern.
func parseServicePattern(pattern string, min, max int) []string {
	if strings.HasPrefix(pattern, "/") {
		return nil
	}
	argv := argvSplit(pattern, "/")
	if len(argv) < min || len(argv) > max {
		return nil
	}
	for _, a := range argv {
		if a != "*" && strings.Contains(a, "*") {
			return nil
		}
	}
	for len(argv) < max {
		argv = append(argv, "*")
	}
	return argv
}

func matchString(pattern, s string) bool { return pattern == "*" || pattern == s }

// matchService reports whether name/type matches the first two
// components of pattern.
func matchService(pattern []string, name, typ string) bool {
	return matchString(pattern[0], name) && matchString(pattern[1], typ)
}

// parseFieldPattern returns the field number of a field name, or
// fldWildcard for "*".
func parseFieldPattern(name string) (int, error) {
	if name == "*" {
		return fldWildcard, nil
	}
	if i := slices.Index(fieldNames, name); i >= 0 {
		return i, nil
	}
	return 0, fmt.Errorf("invalid service attribute name: \"%s\"", name)
}
