package smtpd

// xtext (RFC 3461 4) and the RFC 6533 "utf-8" addr-type's unitext.

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// xtextDecode undoes "+XX" hex escapes; Postfix's xtext_unquote accepts
// lower-case hex digits too and checks nothing else.
func xtextDecode(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' {
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			c = hi<<4 | lo
			i += 2
		}
		b = append(b, c)
	}
	return string(b), true
}

// uxtextDecode undoes "\x{HEX}" escapes into UTF-8 (uxtext_unquote).
func uxtextDecode(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+2 >= len(s) || s[i+1] != 'x' || s[i+2] != '{' {
			b = append(b, s[i])
			continue
		}
		code := 0
		j := i + 3
		for ; j < len(s) && s[j] != '}'; j++ {
			d, ok := unhex(s[j])
			if !ok {
				return "", false
			}
			if code = code<<4 | int(d); code > 0x10ffff {
				return "", false
			}
		}
		if j >= len(s) {
			return "", false
		}
		b = appendUTF8(b, code)
		i = j
	}
	return string(b), true
}

// appendUTF8 encodes code as Postfix does, surrogates included.
func appendUTF8(b []byte, c int) []byte {
	switch {
	case c < 0x80:
		return append(b, byte(c))
	case c < 0x800:
		return append(b, 0xc0|byte(c>>6), 0x80|byte(c&0x3f))
	case c < 0x10000:
		return append(b, 0xe0|byte(c>>12), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
	}
	return append(b, 0xf0|byte(c>>18), 0x80|byte(c>>12&0x3f), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
}
