// Package dict implements Postfix's lookup tables ("type:name"), as
// util/dict_open.c does: one registry of table types keyed by the type
// prefix, one Dict interface used by every parameter that takes tables
// (virtual_alias_maps, transport_maps, access tables, alias_maps, ...).
//
// A lookup has three outcomes: found, not found, and error. An error is a
// temporary failure (the caller defers mail with a 4xx) and is never turned
// into "not found".
package dict

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Dict is one open lookup table.
type Dict interface {
	// Lookup returns the value for key. found is false when the key is
	// absent; err is non-nil only for a failure of the table itself
	// (unreadable file, LDAP server down), which callers treat as temporary.
	Lookup(key string) (value string, found bool, err error)
	// Close releases the table's resources.
	Close() error
}

// Options are what a table type may need when it is opened. They are
// passed explicitly: table code never reads process-wide configuration.
type Options struct {
	// Flags as in Postfix's dict_open() (FoldFix, Lock, ...).
	Flags Flags
	// Param looks up an expanded main.cf parameter (for table types whose
	// behaviour depends on one, e.g. the ldap_table(5) defaults or the
	// queue directory that proxy: and relative paths need). May be nil.
	Param func(name string) string
	// Warn receives warnings found while opening or reading a table
	// (duplicate keys, suspicious lines), already formatted as Postfix
	// words them, without the "warning: " prefix. May be nil (dropped).
	Warn func(msg string)
	// Surrogate makes Open return a stand-in for a table that cannot be
	// opened, whose every lookup fails (a temporary error), instead of
	// an error: Postfix's dict_surrogate(), which its daemons allow
	// (dict_allow_surrogate) so that a missing or damaged table defers
	// only the mail that needs it instead of stopping the daemon.
	// Commands (postmap, sendmail) leave it unset and fail.
	Surrogate bool
	// Error receives the "error:" record of a table that could not be
	// opened when Surrogate is set (Warn when nil).
	Error func(msg string)
}

// warnf sends a formatted warning to o.Warn when it is set.
func (o Options) warnf(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, args...))
	}
}

// param returns the main.cf parameter name, or def when no Param
// function was given or it returns the empty string.
func (o Options) param(name, def string) string {
	if o.Param == nil {
		return def
	}
	if v := o.Param(name); v != "" {
		return v
	}
	return def
}

// Flagger is implemented by tables that say whether they match fixed
// strings or patterns. A table without it counts as Fixed (like
// Postfix's indexed tables): partial address forms (user@domain,
// @domain, parent domains) are only tried in Fixed tables (maps_find()
// with DICT_FLAG_FIXED in global/mail_addr_find.c).
type Flagger interface {
	Flags() Flags
}

// FlagsOf returns the Fixed/Pattern flags of d.
func FlagsOf(d Dict) Flags {
	if f, ok := d.(Flagger); ok {
		return f.Flags()
	}
	return Fixed
}

// Sequencer is implemented by tables that can list their entries
// (postmap -s, postalias -s). fn returns false to stop early.
type Sequencer interface {
	Seq(fn func(key, value string) bool) error
}

// Flags mirror the DICT_FLAG_* bits that matter to Postern.
type Flags uint32

const (
	FoldFix    Flags = 1 << iota // fold fixed-string keys to lower case (DICT_FLAG_FOLD_FIX)
	FoldMul                      // fold keys of pattern tables (DICT_FLAG_FOLD_MUL)
	Lock                         // lock the table while reading (DICT_FLAG_LOCK)
	Fixed                        // table has fixed-string keys (read-only, set by the type)
	Pattern                      // table matches patterns (regexp, pcre, cidr; set by the type)
	NoRegsub                     // forbid $number substitution (local(8) aliases)
	Utf8                         // keys/values are UTF-8 (smtputf8_enable)
	DupWarn                      // duplicate source key: warn, first wins (DICT_FLAG_DUP_WARN)
	DupIgnore                    // duplicate source key: first wins silently (DICT_FLAG_DUP_IGNORE)
	DupReplace                   // duplicate source key: last wins (DICT_FLAG_DUP_REPLACE)
)

// Opener opens a table of one type; name is the text after "type:".
type Opener func(name string, opts Options) (Dict, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Opener{}
)

// register adds a table type. Called from init functions of the type files.
func register(typ string, open Opener) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[typ]; dup {
		panic("dict: duplicate table type " + typ)
	}
	registry[typ] = open
}

// Types returns the table types that work, sorted, as `postconf -m` lists them.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Open opens "type:name". An unknown type is an error naming it, as
// Postfix's "unsupported dictionary type".
func Open(spec string, opts Options) (Dict, error) {
	typ, name, ok := strings.Cut(spec, ":")
	if !ok {
		return nil, fmt.Errorf("need dictionary type:name, got %q", spec)
	}
	regMu.RLock()
	open := registry[typ]
	regMu.RUnlock()
	if open == nil {
		return opts.surrogate(spec, fmt.Errorf("unsupported dictionary type: %s", typ))
	}
	d, err := open(name, opts)
	if err != nil {
		return opts.surrogate(spec, err)
	}
	return d, nil
}
