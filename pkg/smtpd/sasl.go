package smtpd

// saslSession is the per-session SASL server state (Postfix's
// state->sasl_server and sasl_mechanism_list).
type saslSession struct {
	mechs []string // mechanisms offered in this session, after filtering
}

// authenticated reports whether AUTH succeeded with a mechanism other
// than ANONYMOUS (permit_sasl_auth()).
func (s *session) authenticated() bool {
	return s.saslMethod != "" && !equalFoldASCII(s.saslMethod, "anonymous")
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
