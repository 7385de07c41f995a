package smtpd

// Command tokenizer, as Postfix's smtpd_token.c: white space separates
// tokens; "<...>" and "\"...\"" are kept whole with their quotes (the
// address parser needs the external form); a backslash escapes the next
// byte; "from:" and "to:" end a token at their colon so that
// "MAIL FROM:<a@b>" and "MAIL FROM: <a@b>" tokenize alike. Every token is
// a verbatim piece of the line, so tokenizing allocates nothing.

// token is one word of a command line. bad is set when a quoted part has
// no closing quote (SMTPD_TOK_ERROR).
type token struct {
	text string
	bad  bool
}

// isSpace is C's isspace() in the C locale, which Postfix's ISSPACE uses.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// tokenize splits a command line into tokens, appending to dst[:0] (the
// caller reuses dst between commands).
func tokenize(dst []token, line string) []token {
	dst = dst[:0]
	for i := 0; i < len(line); {
		start, end, next, bad := nextToken(line, i)
		if end == start {
			break
		}
		dst = append(dst, token{text: line[start:end], bad: bad})
		i = next
	}
	return dst
}

// nextToken finds the token at or after line[i]: its bounds, the index
// where the next search starts, and whether a quote was left open
// (smtp_next_token).
func nextToken(line string, i int) (start, end, next int, bad bool) {
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	start = i
	for i < len(line) {
		c := line[i]
		switch {
		case isSpace(c):
			return start, i, i, bad
		case c == '<' || c == '"':
			closing := c
			if c == '<' {
				closing = '>'
			}
			var ok bool
			i, ok = quoted(line, i+1, closing)
			bad = bad || !ok
			continue
		case c == ':':
			i++
			if w := line[start:i]; equalFold(w, "to:") || equalFold(w, "from:") {
				return start, i, i, bad
			}
			continue
		case c == '\\' && i+1 < len(line):
			i++
		}
		i++
	}
	return start, i, i, bad
}

// quoted skips a "<...>" or "\"...\"" group whose opening quote precedes
// line[i], nesting as smtp_quoted(): inside <>, a quoted string may hold
// '>' and another <...> may nest. It returns the index after the closing
// quote, or len(line) and false when the group is not closed.
func quoted(line string, i int, closing byte) (int, bool) {
	var fixed [16]byte
	stack := append(fixed[:0], closing)
	for i < len(line) {
		c := line[i]
		i++
		wanted := stack[len(stack)-1]
		switch {
		case c == '\\':
			if i >= len(line) {
				return i, false
			}
			i++
		case c == wanted:
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return i, true
			}
		case c == '"':
			stack = append(stack, '"')
		case c == '<' && wanted == '>':
			stack = append(stack, '>')
		}
	}
	return i, false
}

// equalFold compares s with the lower-case ASCII string lower, ignoring
// ASCII case.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
