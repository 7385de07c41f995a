package local

import (
	"regexp"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// Expansion results (MAC_PARSE_ERROR, MAC_PARSE_UNDEF and
// LOCAL_EXP_EXTENSION_MATCHED).
const (
	expandError            = config.MacParseError
	expandUndef            = config.MacParseUndef
	expandExtensionMatched = 1 << 8
)

// plainExtension finds a plain (not conditional) $extension reference.
var plainExtension = regexp.MustCompile(`\$(extension\b|\{extension\}|\(extension\))`)

// expand is local_expand(): $name expansion of forward_path,
// mailbox_command, command_execution_directory and luser_relay with the
// names $user, $home, $shell, $domain, $local, $mailbox, $recipient,
// $extension and $recipient_delimiter, and the conditional forms
// ${name?value}, ${name:value}, ${name?{v1}:{v2}}. Characters of the
// values that are not in filter become "_" (no filter when ""). The
// result has expandUndef when a plainly referenced name has no value,
// expandError on bad syntax, and expandExtensionMatched when $extension
// was used (the extension then does not propagate).
//
// XXX: Postfix sets "extension matched" when $extension is evaluated in
// use mode; here it is set when the pattern references $extension
// plainly and the name was evaluated at all.
func (s *state) expand(pattern string, usr *userAttr, filter string) (string, int) {
	usedExt := false
	lookup := func(name string) (string, bool) {
		v, ok := s.expandLookup(name, usr)
		if name == "extension" {
			usedExt = true
		}
		if ok && filter != "" {
			v = censor(v, filter)
		}
		return v, ok
	}
	out, status := config.MacExpand(pattern, 0, lookup, func(string, ...any) {})
	if usedExt && plainExtension.MatchString(pattern) {
		status |= expandExtensionMatched
	}
	return out, status
}

func (s *state) expandLookup(name string, usr *userAttr) (string, bool) {
	m := &s.msg
	switch name {
	case "user":
		return m.user, true
	case "home":
		return usr.home.s, usr.home.ok
	case "shell":
		return usr.shell.s, usr.shell.ok
	case "domain":
		return m.domain.s, m.domain.ok
	case "local", "mailbox":
		return m.local, true
	case "recipient":
		return m.rcpt.address, true
	case "extension":
		return m.extension.s, m.extension.ok
	case "recipient_delimiter":
		d := s.delimiterUsed()
		return d, d != ""
	}
	return "", false
}

// delimiterUsed is the delimiter character that separated the
// extension, or the first character of recipient_delimiter.
func (s *state) delimiterUsed() string {
	if len(s.msg.local) > len(s.msg.user) {
		return s.msg.local[len(s.msg.user) : len(s.msg.user)+1]
	}
	if d := s.job.a.p.rcptDelim; d != "" {
		return d[:1]
	}
	return ""
}

// censor replaces each byte of v that is not in filter by "_".
func censor(v, filter string) string {
	b := []byte(v)
	for i, c := range b {
		if strings.IndexByte(filter, c) < 0 {
			b[i] = '_'
		}
	}
	return string(b)
}
