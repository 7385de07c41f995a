package dict

// SplitAliasLine parses one logical line of an aliases(5) file as
// postalias(1) does: "name: value, value, ...". The name is returned in
// internal (unquoted) form, the value in external (quoted) form with
// RFC 822 tokens normalised ("a ,b" becomes "a, b"). problem is
// Postfix's warning text for a malformed line.
func SplitAliasLine(line string) (name, value, problem string) {
	toks := tok822Scan(line)
	if len(toks) == 0 {
		return "", "", "need name:value pair"
	}
	colon := -1
	for i, t := range toks {
		if t.typ == ':' {
			colon = i
			break
		}
	}
	if colon <= 0 || colon == len(toks)-1 {
		return "", "", "need name:value pair"
	}
	for _, t := range toks[:colon] {
		if t.typ == ',' {
			return "", "", "need name:value pair"
		}
	}
	for _, t := range toks[:colon] {
		if t.typ == '@' || t.typ == '%' {
			return "", "", "name must be local"
		}
	}
	return tok822String(toks[:colon], false), tok822String(toks[colon+1:], true), ""
}
