package pipe

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/resolve"
)

// Recipient-dependent macros (pipe.c PIPE_FLAG_*).
const (
	macRcpt = 1 << iota
	macUser
	macExtension
	macMailbox
	macDomain
	macOrigRcpt
)

// macros are the names argv may use, with their recipient bits.
var macros = map[string]int{
	"nexthop": 0, "recipient": macRcpt, "original_recipient": macOrigRcpt, "sender": 0,
	"user": macUser, "extension": macExtension, "mailbox": macMailbox, "domain": macDomain,
	"size": 0, "client_address": 0, "client_hostname": 0, "client_port": 0,
	"client_protocol": 0, "client_helo": 0, "sasl_method": 0, "sasl_username": 0,
	"sasl_sender": 0, "queue_id": 0,
}

// segment is literal text or a macro name.
type segment struct {
	text string
	name bool
}

// parseArg splits an argument into literals and macro names (mac_parse
// with pipe.c's parse_callback) and returns the recipient bits it uses.
// The error text is the warning Postfix logs.
func parseArg(arg, where string) ([]segment, int, error) {
	var segs []segment
	var lit strings.Builder
	bits := 0
	for i := 0; i < len(arg); {
		if arg[i] != '$' {
			lit.WriteByte(arg[i])
			i++
			continue
		}
		if i+1 < len(arg) && arg[i+1] == '$' {
			lit.WriteByte('$')
			i += 2
			continue
		}
		name, next, err := macroName(arg, i+1)
		if err != nil {
			return nil, 0, err
		}
		b, ok := macros[name]
		if !ok {
			return nil, 0, fmt.Errorf("%s: unknown macro name: \"%s\"", where, name)
		}
		if lit.Len() > 0 {
			segs = append(segs, segment{text: lit.String()})
			lit.Reset()
		}
		segs, bits, i = append(segs, segment{text: name, name: true}), bits|b, next
	}
	if lit.Len() > 0 {
		segs = append(segs, segment{text: lit.String()})
	}
	return segs, bits, nil
}

// macroName reads the name after a "$" at position i: "{name}",
// "(name)" or a run of letters, digits and "_".
func macroName(arg string, i int) (string, int, error) {
	var name string
	next := i
	if i < len(arg) && (arg[i] == '{' || arg[i] == '(') {
		open, closing := arg[i], byte('}')
		if open == '(' {
			closing = ')'
		}
		level, j := 1, i+1
		for ; level > 0; j++ {
			if j >= len(arg) {
				return "", 0, fmt.Errorf("truncated macro reference: \"%s\"", arg)
			}
			switch arg[j] {
			case open:
				level++
			case closing:
				level--
			}
		}
		name, next = arg[i+1:j-1], j
	} else {
		for next < len(arg) && (isAlnum(arg[next]) || arg[next] == '_') {
			next++
		}
		name = arg[i:next]
	}
	if name == "" {
		return "", 0, fmt.Errorf("empty macro name: \"%s\"", arg)
	}
	return name, next, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// rcptInfo is what the recipient macros are made of.
type rcptInfo struct{ address, orig string }

// expander holds the values of one request (pipe.c's PIPE_DICT_TABLE).
type expander struct {
	vars    map[string]string
	flags   int
	delims  string // $recipient_delimiter
	noSplit func(local string) bool
	where   string // "file DIR/master.cf: service NAME", for warnings
	warn    func(format string, args ...any)
	rcpts   []rcptInfo
}

// expand returns the command's argument vector (expand_argv): an
// argument with recipient macros is repeated for each recipient.
func (x *expander) expand(argv []string) ([]string, error) {
	var out []string
	for _, arg := range argv {
		segs, bits, err := parseArg(arg, x.where)
		if err != nil {
			return nil, err
		}
		if bits == 0 {
			out = append(out, x.eval(segs))
			continue
		}
		for _, r := range x.rcpts {
			if !x.setRecipient(r, bits) {
				continue
			}
			out = append(out, x.eval(segs))
		}
	}
	return out, nil
}

func (x *expander) eval(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.name {
			b.WriteString(x.vars[s.text])
		} else {
			b.WriteString(s.text)
		}
	}
	return b.String()
}

// setRecipient sets the recipient macros that bits use; false drops the
// argument for this recipient (an empty $user).
func (x *expander) setRecipient(r rcptInfo, bits int) bool {
	if bits&macRcpt != 0 {
		x.vars["recipient"] = morph(r.address, x.flags)
	}
	if bits&macOrigRcpt != 0 {
		x.vars["original_recipient"] = morph(r.orig, x.flags)
	}
	folded := morph(r.address, x.flags&(optFoldUser|optFoldHost))
	local, domain, hasAt := cutRight(folded)
	if !hasAt && bits&(macUser|macExtension|macMailbox|macDomain) != 0 {
		x.warnf("no @ in recipient address: %s", r.address)
	}
	if bits&(macUser|macExtension) != 0 {
		user, ext := x.split(local)
		if bits&macUser != 0 {
			if user == "" {
				return false
			}
			x.vars["user"] = user
		}
		x.vars["extension"] = ext
	}
	x.vars["mailbox"] = local
	x.vars["domain"] = domain
	return true
}

// split is split_addr(): user and extension at the first delimiter,
// except for postmaster, MAILER-DAEMON, $double_bounce_sender and (with
// owner_request_special and "-" among the delimiters) owner-* and
// *-request, and never when the user part would be empty.
func (x *expander) split(local string) (string, string) {
	if x.delims == "" || (x.noSplit != nil && x.noSplit(local)) {
		return local, ""
	}
	n := strings.IndexAny(local, x.delims)
	if n <= 0 {
		return local, ""
	}
	return local[:n], local[n+1:]
}

func (x *expander) warnf(format string, args ...any) {
	if x.warn != nil {
		x.warn(format, args...)
	}
}

// cutRight splits an address at its last "@".
func cutRight(addr string) (string, string, bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, "", false
	}
	return addr[:i], addr[i+1:], true
}

// morph quotes (q) and folds (u, h) an address (morph_recipient).
func morph(addr string, flags int) string {
	if flags&optQuoteLocal != 0 {
		addr = resolve.Quote822Local(addr)
	}
	return foldAddr(addr, flags)
}

// foldAddr lowers the local part (u) and the domain (h) (fold_addr).
func foldAddr(addr string, flags int) string {
	local, domain, hasAt := cutRight(addr)
	if flags&optFoldUser != 0 {
		local = strings.ToLower(local)
	}
	if !hasAt {
		return local
	}
	if flags&optFoldHost != 0 {
		domain = strings.ToLower(domain)
	}
	return local + "@" + domain
}
