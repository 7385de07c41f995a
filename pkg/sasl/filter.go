package sasl

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// Filter is a SASL mechanism filter (sasl_mech_filter() over a
// string_list): names, "!name" and type:table entries, first match
// decides, no match drops the mechanism.
type Filter struct {
	param   string
	entries []filterEntry
}

type filterEntry struct {
	neg   bool
	name  string
	table dict.Dict
}

// NewFilter parses a filter; an empty value gives nil, which keeps
// every mechanism.
func NewFilter(param, value string, open func(spec string) (dict.Dict, error)) (*Filter, error) {
	words := strings.FieldsFunc(value, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
	if len(words) == 0 {
		return nil, nil
	}
	f := &Filter{param: param}
	for _, w := range words {
		e := filterEntry{}
		if strings.HasPrefix(w, "!") {
			e.neg, w = true, w[1:]
		}
		switch {
		case strings.HasPrefix(w, "/"):
			return nil, fmt.Errorf("%s: file name entries (%s) are not implemented in Postern", param, w)
		case strings.Contains(w, ":"):
			d, err := open(w)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", param, err)
			}
			e.table = d
		default:
			e.name = w
		}
		f.entries = append(f.entries, e)
	}
	return f, nil
}

// Apply keeps the mechanisms that the filter matches, in order. A table
// lookup error is an error, as sasl_mech_filter()'s fatal.
func (f *Filter) Apply(mechs []string) ([]string, error) {
	if f == nil {
		return mechs, nil
	}
	var out []string
	for _, m := range mechs {
		ok, err := f.match(m)
		if err != nil {
			return nil, fmt.Errorf("sasl_mech_filter: SASL mechanism filter failed for: '%s'", m)
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *Filter) match(mech string) (bool, error) {
	for _, e := range f.entries {
		hit := strings.EqualFold(e.name, mech)
		if e.table != nil {
			_, found, err := e.table.Lookup(strings.ToLower(mech))
			if err != nil {
				return false, err
			}
			hit = found
		}
		if hit {
			return !e.neg, nil
		}
	}
	return false, nil
}
