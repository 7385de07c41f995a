package main

import (
	"regexp"
	"slices"
	"strings"
)

// match turns the literals into the uses of each parameter name.
func match(lits []literal, names []string) map[string]*use {
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	prefixes := prefixLiterals(lits, names)
	uses := map[string]*use{}
	mark := func(name string, l literal) {
		u := uses[name]
		if u == nil {
			u = &use{}
			uses[name] = u
		}
		if l.refused {
			u.refused = addPkg(u.refused, l.pkg)
		} else {
			u.read = addPkg(u.read, l.pkg)
		}
	}
	for _, l := range lits {
		if l.concat {
			if re := concatPattern(l.parts, prefixes); re != nil {
				for _, n := range names {
					if re.MatchString(n) {
						mark(n, l)
					}
				}
			}
			continue
		}
		for _, n := range literalNames(l.parts[0], known, names, prefixes) {
			mark(n, l)
		}
	}
	return uses
}

// addPkg adds a package directory to a sorted list, pkg/ left out.
func addPkg(list []string, pkg string) []string {
	pkg = strings.TrimPrefix(pkg, "pkg/")
	if !slices.Contains(list, pkg) {
		list = append(list, pkg)
		slices.Sort(list)
	}
	return list
}

var prefixWord = regexp.MustCompile(`^[a-z0-9]+_$`)

// prefixLiterals are the literals such as "smtp_", one word and "_",
// that begin some parameter's name.
func prefixLiterals(lits []literal, names []string) []string {
	var out []string
	for _, l := range lits {
		p := l.parts[0]
		if l.concat || !prefixWord.MatchString(p) || slices.Contains(out, p) {
			continue
		}
		if slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, p) }) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

var serviceName = regexp.MustCompile(`^[a-z0-9-]+$`)

// literalNames: the parameter a literal names, the parameters a suffix
// literal ends, or those a prefix literal completes.
func literalNames(s string, known map[string]bool, names, prefixes []string) []string {
	if known[s] {
		return []string{s}
	}
	var out []string
	switch {
	case strings.HasPrefix(s, "_") && len(s) >= 6:
		for _, n := range names {
			if rest, ok := strings.CutSuffix(n, s); ok && serviceName.MatchString(rest) {
				out = append(out, n)
			}
		}
	case strings.Contains(s, "_"):
		for _, p := range prefixes {
			if known[p+s] {
				out = append(out, p+s)
			}
		}
	}
	return out
}

// concatPattern is the expression of the names a concatenation can
// build: a leading value is a service name before a literal "_...",
// else a prefix literal (several leading values: a prefix literal and
// more); a later value is any name characters.
func concatPattern(parts, prefixes []string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i, p := range parts {
		switch {
		case !isValue(p):
			b.WriteString(regexp.QuoteMeta(p))
		case i > 0:
			b.WriteString("[a-zA-Z0-9_]+")
		case p == "" && i+1 < len(parts) && strings.HasPrefix(parts[i+1], "_"):
			b.WriteString("[a-z0-9-]+")
		case len(prefixes) == 0:
			return nil
		default:
			quoted := make([]string, len(prefixes))
			for j, x := range prefixes {
				quoted[j] = regexp.QuoteMeta(x)
			}
			b.WriteString("(?:" + strings.Join(quoted, "|") + ")")
			if p == "*" {
				b.WriteString("[a-zA-Z0-9_]*")
			}
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// permissionLists name other parameters in their defaults to allow
// their tables, not to use their values.
var permissionLists = []string{"proxy_read_maps", "proxy_write_maps"}

var paramRef = regexp.MustCompile(`\$(?:\{|\()?([a-zA-Z0-9_]+)`)

// throughDefaults returns, for each parameter that no code names but
// that the default of a parameter in use refers to ($name), the first
// such parameter (in name order), following references transitively.
func throughDefaults(uses map[string]*use, defaults map[string]string, names []string) map[string]string {
	via := map[string]string{}
	todo := []string{}
	for _, n := range names {
		if u := uses[n]; u != nil && len(u.read) > 0 && !slices.Contains(permissionLists, n) {
			todo = append(todo, n)
		}
	}
	for len(todo) > 0 {
		n := todo[0]
		todo = todo[1:]
		for _, m := range paramRef.FindAllStringSubmatch(defaults[n], -1) {
			ref := m[1]
			if _, ok := defaults[ref]; !ok || uses[ref] != nil || via[ref] != "" {
				continue
			}
			via[ref] = n
			todo = append(todo, ref)
		}
	}
	return via
}
