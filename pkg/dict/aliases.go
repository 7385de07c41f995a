package dict

import "github.com/postern/postern/pkg/addr"

// SplitAliasLine parses one logical line of an aliases(5) file as
// postalias(1) does: "name: value, value, ...". The name is returned in
// internal (unquoted) form, the value in external (quoted) form with
// RFC 822 tokens normalised ("a ,b" becomes "a, b"). problem is
// Postfix's warning text for a malformed line.
func SplitAliasLine(line string) (name, value, problem string) {
	toks := addr.Scan(line)
	colon := toks.First(':', 0)
	if colon <= 0 || colon == len(toks)-1 || toks[:colon].Last(',') >= 0 {
		return "", "", "need name:value pair"
	}
	if toks[:colon].Last('@') >= 0 || toks[:colon].Last('%') >= 0 {
		return "", "", "name must be local"
	}
	return toks[:colon].Internal(), toks[colon+1:].External(), ""
}
