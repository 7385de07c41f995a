package proxymap

import (
	"strings"

	"github.com/postern/postern/pkg/config"
)

// approvedTables lists the tables of a proxy_read_maps or
// proxy_write_maps value that may be proxied: each "proxy:type:name",
// with the proxy: prefixes removed (authorize_proxied_maps). "{ ... }"
// groups are searched by their first word; unionmap:{...} and
// pipemap:{...} recursively. warn gets syntax errors.
func approvedTables(value, param string, warn func(string, ...any)) map[string]bool {
	out := map[string]bool{}
	approve(value, param, out, warn)
	return out
}

func approve(value, param string, out map[string]bool, warn func(string, ...any)) {
	for _, tok := range config.SplitList(value) {
		if strings.HasPrefix(tok, "{") {
			inner, ok := braced(tok)
			if !ok {
				warnf(warn, "bad %s parameter value: %s", param, "missing '}' in \""+tok+"\"")
				continue
			}
			words := config.SplitList(inner)
			if len(words) == 0 {
				continue
			}
			tok = words[0]
		}
		if nested, ok := nestedName(tok); ok {
			if !strings.HasPrefix(nested, "{") {
				continue
			}
			inner, ok := braced(nested)
			if !ok {
				warnf(warn, "bad %s parameter value: %s", param, "missing '}' in \""+nested+"\"")
				continue
			}
			approve(inner, param, out, warn)
			continue
		}
		if !strings.HasPrefix(tok, "proxy:") {
			continue
		}
		for strings.HasPrefix(tok, "proxy:") {
			tok = strings.TrimPrefix(tok, "proxy:")
		}
		if strings.Contains(tok, ":") {
			out[tok] = true
		}
	}
}

// nestedName returns what follows "unionmap:" or "pipemap:".
func nestedName(tok string) (string, bool) {
	for _, p := range []string{"unionmap:", "pipemap:"} {
		if rest, ok := strings.CutPrefix(tok, p); ok {
			return rest, true
		}
	}
	return "", false
}

// braced strips the outer "{" and "}" and the white space inside them
// (extpar).
func braced(s string) (string, bool) {
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	return strings.TrimSpace(s[1 : len(s)-1]), true
}

func warnf(warn func(string, ...any), format string, args ...any) {
	if warn != nil {
		warn(format, args...)
	}
}
