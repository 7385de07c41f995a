package sasl

import (
	"fmt"
	"strings"
)

// Props are security properties, as Postfix's SEC_PROPS_* bits: in a
// main.cf option ("noplaintext") a requirement, in a Dovecot MECH line
// ("plaintext") a property of the mechanism.
type Props uint

const (
	NoPlaintext Props = 1 << iota
	NoActive
	NoDictionary
	NoAnonymous
	ForwardSecrecy
	MutualAuth
	Private

	positiveProps = MutualAuth | ForwardSecrecy
	negativeProps = NoPlaintext | NoActive | NoDictionary | NoAnonymous
)

var optionNames = []struct {
	name string
	prop Props
}{
	{"noplaintext", NoPlaintext}, {"noactive", NoActive}, {"nodictionary", NoDictionary},
	{"noanonymous", NoAnonymous}, {"forward_secrecy", ForwardSecrecy}, {"mutual_auth", MutualAuth},
}

// dovecotFlags are the MECH line flags (xsasl_dovecot_serv_sec_props).
var dovecotFlags = map[string]Props{
	"plaintext": NoPlaintext, "active": NoActive, "dictionary": NoDictionary, "anonymous": NoAnonymous,
	"forward-secrecy": ForwardSecrecy, "mutual-auth": MutualAuth, "private": Private,
}

// ParseOptions parses smtpd_sasl_security_options and friends (comma or
// space separated, case-insensitive). param names the parameter in the
// error for an unknown word.
func ParseOptions(param, value string) (Props, error) {
	var p Props
	for _, w := range strings.FieldsFunc(value, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	}) {
		found := false
		for _, o := range optionNames {
			if strings.EqualFold(w, o.name) {
				p |= o.prop
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown %s value \"%s\" in \"%s\"", param, w, value)
		}
	}
	return p, nil
}

// parseFlags reads the flags of a Dovecot MECH line; unknown ones are
// ignored (NAME_MASK_IGNORE).
func parseFlags(fields []string) Props {
	var p Props
	for _, f := range fields {
		p |= dovecotFlags[strings.ToLower(f)]
	}
	return p
}

// Mech is a mechanism the auth server offers, with its properties.
type Mech struct {
	Name  string
	Props Props
}

// FilterServer keeps the mechanisms whose properties satisfy the
// options (xsasl_dovecot_server_mech_filter): every positive
// requirement present, none of the negative ones.
func FilterServer(mechs []Mech, opts Props) []string {
	pos, neg := opts&positiveProps, opts&negativeProps
	var out []string
	for _, m := range mechs {
		if m.Props&pos == pos && m.Props&neg == 0 {
			out = append(out, m.Name)
		}
	}
	return out
}
