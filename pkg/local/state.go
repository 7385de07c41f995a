package local

import (
	"strings"

	"github.com/postern/postern/pkg/addr"
	"github.com/postern/postern/pkg/local/users"
)

// The delivery state, as Postfix's local.h: message attributes that
// change while aliases and .forward files are expanded are passed by
// value (msgAttr inside state), so that nothing needs undoing; the
// user attributes that decide privileges travel separately (userAttr).

// Expansion types (EXPAND_TYPE_*): where a |command or /file came from,
// checked against allow_mail_to_commands and allow_mail_to_files.
const (
	expandAlias   = 1 << 0
	expandForward = 1 << 1
	expandInclude = 1 << 2
)

// rcpt is the recipient being delivered: the queue recipient, or an
// address it was expanded to (RECIPIENT).
type rcpt struct {
	address  string // internal form
	origAddr string // original recipient; "" when reset (owner- alias)
	orcpt    string // DSN ORCPT
	notify   int    // DSN NOTIFY mask (queue.Notify*)
}

// opt is an optional string (Postfix's char * that may be null).
type opt struct {
	s  string
	ok bool
}

func some(s string) opt { return opt{s, true} }

// msgAttr is DELIVER_ATTR.
type msgAttr struct {
	sender    string // envelope sender; replaced by an owner- alias
	dsnEnvID  string
	dsnRet    string
	rcpt      rcpt
	domain    opt    // recipient domain
	local     string // recipient localpart, folded
	user      string // localpart without extension
	extension opt    // address extension
	unmatched opt    // extension not matched by a lookup, to propagate
	owner     opt    // list owner (owner- alias) or forwarder
	delivered string // for Delivered-To: and loop detection
	relay     string // the service name, as logged in relay=
	expType   int    // expandAlias, expandForward, expandInclude
	expFrom   opt    // alias or user being expanded
}

// userAttr is USER_ATTR: whose rights |command and /file deliveries
// use, and the environment of commands. A zero UID means "no user
// context yet": default_privs is used.
type userAttr struct {
	uid, gid int
	home     opt
	logname  opt
	shell    opt
}

// state is LOCAL_STATE.
type state struct {
	level int
	msg   msgAttr
	job   *job // the recipient being delivered: request, filters, outcomes
}

// dupFilter remembers what was done for one queue recipient
// (been_here(), with case folding); after limit entries nothing more is
// remembered, as been_here_init(duplicate_filter_limit).
type dupFilter struct {
	limit int
	seen  map[string]bool
}

func newDupFilter(limit int) *dupFilter {
	return &dupFilter{limit: limit, seen: map[string]bool{}}
}

// beenHere reports whether key was seen, and remembers it.
func (f *dupFilter) beenHere(key string) bool {
	key = strings.ToLower(key)
	if f.seen[key] {
		return true
	}
	if f.limit <= 0 || len(f.seen) < f.limit {
		f.seen[key] = true
	}
	return false
}

// check reports whether key was seen, without remembering it.
func (f *dupFilter) check(key string) bool { return f.seen[strings.ToLower(key)] }

func quoteLocal(a string) string { return addr.QuoteLocal(a) }

// userOf returns the user attributes for delivery as pw (SET_USER_ATTR).
func userOf(pw *users.Passwd) userAttr {
	return userAttr{uid: pw.UID, gid: pw.GID, home: some(pw.Home), logname: some(pw.Name), shell: some(pw.Shell)}
}
