package resolve

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// DomainList is a Postfix string or domain list (util/match_list.c with
// match_string or match_hostname): a parameter value such as
// mydestination, relay_domains or virtual_alias_domains, holding names,
// "/file/name" patterns (the file's lines are patterns too), "type:table"
// lookup tables and "!" negations. Patterns are tried in order; the first
// match decides. Matching is case-insensitive.
//
// A string list (mydestination, virtual_*_domains) matches a name exactly
// or by table lookup of the name. A domain list (relay_domains) also
// matches subdomains: "example.com" matches "sub.example.com" when the
// parameter is listed in parent_domain_matches_subdomains, ".example.com"
// always does, and fixed-string tables are asked for the parent domains
// as well.
type DomainList struct {
	Name   string // parameter name, for messages
	host   bool   // match_hostname instead of match_string
	parent bool   // MATCH_FLAG_PARENT
	pats   []pattern
}

type pattern struct {
	neg   bool
	s     string // folded pattern, when d is nil
	d     dict.Dict
	table string // type:name, for messages
}

// NewStringList parses a string list (string_list_init).
func NewStringList(name, value string, opts dict.Options) (*DomainList, error) {
	l := &DomainList{Name: name}
	return l, l.parse(value, true, opts)
}

// NewDomainList parses a domain list (domain_list_init); parent says
// whether name is listed in parent_domain_matches_subdomains.
func NewDomainList(name, value string, parent bool, opts dict.Options) (*DomainList, error) {
	l := &DomainList{Name: name, host: true, parent: parent}
	return l, l.parse(value, true, opts)
}

// ParentStyle reports whether parameter name is listed in
// parent_domain_matches_subdomains (match_parent_style()).
func ParentStyle(cfg *config.Config, name string) bool {
	for _, n := range cfg.List("parent_domain_matches_subdomains") {
		if n == name {
			return true
		}
	}
	return false
}

// isTable reports whether a pattern is "type:table" (MATCH_DICTIONARY).
func isTable(p string) bool { return p != "" && p[0] != '[' && strings.Contains(p, ":") }

// parse adds the patterns of value (match_list_parse).
func (l *DomainList) parse(value string, match bool, opts dict.Options) error {
	for _, item := range config.SplitList(value) {
		if strings.HasPrefix(item, "#") {
			if opts.Warn != nil {
				opts.Warn(fmt.Sprintf("%s: comment at end of line is not supported: %s", l.Name, item))
			}
			break
		}
		m := match
		for strings.HasPrefix(item, "!") {
			item, m = item[1:], !m
		}
		if item == "" {
			return fmt.Errorf("%s: no pattern after '!'", l.Name)
		}
		if err := l.add(item, m, opts); err != nil {
			return err
		}
	}
	return nil
}

func (l *DomainList) add(item string, match bool, opts dict.Options) error {
	switch {
	case item[0] == '/':
		return l.file(item, match, opts)
	case isTable(item):
		o := opts
		o.Flags = dict.Lock // lists fold the search string, not the table
		d, err := dict.Open(item, o)
		if err != nil {
			return fmt.Errorf("%s: %w", l.Name, err)
		}
		l.pats = append(l.pats, pattern{neg: !match, d: d, table: item})
	default:
		l.pats = append(l.pats, pattern{neg: !match, s: strings.ToLower(item)})
	}
	return nil
}

// file expands a /file/name pattern in-line; its lines may hold several
// patterns each, and a leading ! applies to all of them.
func (l *DomainList) file(path string, match bool, opts dict.Options) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: open file %s: %w", l.Name, path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			if err := l.parse(line, match, opts); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: read file %s: %w", l.Name, path, err)
	}
	return nil
}

// Match reports whether name matches. A table lookup failure is an error
// (Postfix: "table lookup problem"), to be treated as temporary.
func (l *DomainList) Match(name string) (bool, error) {
	if l == nil {
		return false, nil
	}
	folded := strings.ToLower(name)
	for _, p := range l.pats {
		ok, err := l.matchOne(p, folded)
		if err != nil {
			return false, &tableProblem{list: l.Name, table: p.table, err: err}
		}
		if ok {
			return !p.neg, nil
		}
	}
	return false, nil
}

func (l *DomainList) matchOne(p pattern, name string) (bool, error) {
	if p.d != nil {
		if !l.host {
			_, ok, err := p.d.Lookup(name)
			return ok, err
		}
		return l.tableHost(p.d, name)
	}
	if name == p.s {
		return true, nil
	}
	if !l.host {
		return false, nil
	}
	if l.parent {
		return strings.HasSuffix(name, "."+p.s) && len(name) > len(p.s)+1, nil
	}
	return strings.HasPrefix(p.s, ".") && strings.HasSuffix(name, p.s) && len(name) > len(p.s), nil
}

// tableHost looks up name and, in fixed-string tables, its parent
// domains (match_hostname).
func (l *DomainList) tableHost(d dict.Dict, name string) (bool, error) {
	fixed := dict.FlagsOf(d)&dict.Fixed != 0
	for entry := name; entry != ""; {
		if entry == name || fixed {
			if _, ok, err := d.Lookup(entry); ok || err != nil {
				return ok, err
			}
		}
		dot := strings.IndexByte(entry[1:], '.')
		if dot < 0 {
			break
		}
		entry = entry[1+dot:]
		if l.parent {
			entry = entry[1:]
		}
	}
	return false, nil
}

// Close closes the list's tables.
func (l *DomainList) Close() {
	if l == nil {
		return
	}
	for _, p := range l.pats {
		if p.d != nil {
			p.d.Close()
		}
	}
}

// tableProblem is the error of a list whose table lookup failed; its
// text is Postfix's (match_list.c), the table's own error is logged by
// the table and kept for errors.Is.
type tableProblem struct {
	list, table string
	err         error
}

func (e *tableProblem) Error() string { return e.list + ": " + e.table + ": table lookup problem" }
func (e *tableProblem) Unwrap() error { return e.err }
