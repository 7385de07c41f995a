package dict

// The ldap_table(5) "domain" parameter: a Postfix match list
// (util/match_list.c with match_string()) of domain names, /file/name
// (its lines are patterns too) and type:table lookups, each optionally
// negated with '!'; the first pattern that matches decides.

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// domainPattern is one element of a domain list.
type domainPattern struct {
	match bool   // false for a !pattern
	text  string // lower-cased domain, when table is nil
	table Dict   // a type:table pattern
	err   error  // an unreadable /file: every match fails with it
}

// ldapDomainList is the parsed "domain" parameter.
type ldapDomainList struct {
	patterns []domainPattern
}

// parseLDAPDomainList parses the list; where names the table in errors.
func parseLDAPDomainList(where, list string, opts Options) (*ldapDomainList, error) {
	l := &ldapDomainList{}
	if err := l.add(where, list, true, opts); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// add parses patterns into l; init is the sense of a pattern without '!'.
func (l *ldapDomainList) add(where, list string, init bool, opts Options) error {
	for _, item := range splitListBraces(list) {
		if strings.HasPrefix(item, "#") {
			opts.warnf("%s: comment at end of line is not supported: %s", where, item)
			break
		}
		match := init
		for strings.HasPrefix(item, "!") {
			item, match = item[1:], !match
		}
		switch {
		case item == "":
			return fmt.Errorf("%s: no pattern after '!'", where)
		case item[0] == '/':
			if err := l.addFile(where, item, match, opts); err != nil {
				return err
			}
		case item[0] != '[' && strings.Contains(item, ":"):
			d, err := Open(item, Options{Flags: Lock | Utf8, Param: opts.Param, Warn: opts.Warn})
			if err != nil {
				return fmt.Errorf("%s: domain match list creation using '%s' failed: %w", where, list, err)
			}
			l.patterns = append(l.patterns, domainPattern{match: match, table: d})
		default:
			l.patterns = append(l.patterns, domainPattern{match: match, text: strings.ToLower(item)})
		}
	}
	return nil
}

// addFile reads /file/name patterns; a file that cannot be opened turns
// into a pattern whose every use fails, as Postfix's surrogate table.
func (l *ldapDomainList) addFile(where, path string, match bool, opts Options) error {
	f, err := os.Open(path)
	if err != nil {
		l.patterns = append(l.patterns, domainPattern{match: match, err: fmt.Errorf("open file %s: %w", path, err)})
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			if err := l.add(where, line, match, opts); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: read file %s: %w", where, path, err)
	}
	return nil
}

// matches reports whether domain is eligible. An error is a table that
// failed: the lookup must then fail too.
func (l *ldapDomainList) matches(domain string) (bool, error) {
	domain = strings.ToLower(domain)
	for _, p := range l.patterns {
		switch {
		case p.err != nil:
			return false, p.err
		case p.table != nil:
			_, found, err := p.table.Lookup(domain)
			if err != nil {
				return false, fmt.Errorf("%s: table lookup problem: %w", domain, err)
			}
			if found {
				return p.match, nil
			}
		case p.text == domain:
			return p.match, nil
		}
	}
	return false, nil
}

func (l *ldapDomainList) close() {
	for _, p := range l.patterns {
		if p.table != nil {
			p.table.Close()
		}
	}
}

// splitListBraces splits a Postfix list at commas and white space, keeping
// "{...}" groups (inline:{...} tables) whole, as mystrtokq(CHARS_BRACE).
func splitListBraces(s string) []string {
	var out []string
	depth, start := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		sep := depth == 0 && strings.IndexByte(", \t\r\n", c) >= 0
		switch {
		case sep && start >= 0:
			out = append(out, s[start:i])
			start = -1
		case sep:
		case start < 0:
			start = i
		}
		if c == '{' {
			depth++
		} else if c == '}' && depth > 0 {
			depth--
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
