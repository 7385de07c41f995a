package dict

import (
	"fmt"
	"strings"
)

// Maps is an ordered list of tables opened from one parameter value
// such as "hash:/etc/postfix/virtual, regexp:/etc/postfix/virtual.re"
// (Postfix's global/maps.c). Entries are separated by commas and/or
// whitespace; text inside { } stays together.
type Maps struct {
	Title string // the parameter name, used in warnings
	specs []string
	dicts []Dict
}

// MapsFlags are the flags Postfix's daemons open table lists with:
// fixed-string keys are folded to lower case (DICT_FLAG_FOLD_FIX).
const MapsFlags = FoldFix | Lock

// OpenMaps opens every table named in value, in order. An empty value
// gives an empty list (every lookup: not found).
func OpenMaps(title, value string, opts Options) (*Maps, error) {
	m := &Maps{Title: title}
	for _, spec := range tokenizeQ(value, sepCommaSpace) {
		if !strings.Contains(spec, ":") {
			m.Close()
			return nil, fmt.Errorf("%s: open dictionary: expecting \"type:name\" form instead of \"%s\"", title, spec)
		}
		d, err := Open(spec, opts)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("%s: %w", title, err)
		}
		m.specs = append(m.specs, spec)
		m.dicts = append(m.dicts, d)
	}
	return m, nil
}

// NewMaps wraps already open tables (tests, composed lookups).
func NewMaps(title string, specs []string, dicts []Dict) *Maps {
	return &Maps{Title: title, specs: specs, dicts: dicts}
}

// Len returns the number of tables.
func (m *Maps) Len() int { return len(m.dicts) }

// Find looks key up in each table in order (maps_find()). With partial
// set only fixed-string tables are asked: partial address forms
// (user@domain without extension, @domain, parent domains) never go to
// regexp/pcre/cidr tables. A table that returns an empty value is a
// configuration error, as in Postfix.
func (m *Maps) Find(key string, partial bool) (string, bool, error) {
	if key == "" {
		return "", false, nil
	}
	for i, d := range m.dicts {
		if partial && FlagsOf(d)&Fixed == 0 {
			continue
		}
		v, ok, err := d.Lookup(key)
		if err != nil {
			return "", false, lookupError(m.specs[i], key, err)
		}
		if ok {
			if v == "" {
				return "", false, fmt.Errorf("%s lookup of %s returns an empty string result; %s should return NO RESULT in case of NOT FOUND", m.Title, key, m.Title)
			}
			return v, true, nil
		}
	}
	return "", false, nil
}

// Close closes every table.
func (m *Maps) Close() error {
	var first error
	for _, d := range m.dicts {
		if err := d.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.dicts = nil
	return first
}
