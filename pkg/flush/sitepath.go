package flush

import (
	"strings"
	"unicode/utf8"
)

// sitePath turns a destination (domain or [address]) into the name of
// its log (flush_site_to_path): non-ASCII labels become A-labels, then
// letters and digits are folded to lower case and every other byte
// becomes "_". ok is false for a name that cannot be converted.
//
// XXX: Postfix converts with UTS #46 (midna_domain_to_ascii); Postern
// folds case and encodes each non-ASCII label with punycode, without
// the UTS #46 mapping. The name only has to be the same for "add" and
// "send_site", which it is.
func sitePath(site string) (string, bool) {
	ascii, ok := toASCII(site)
	if !ok {
		return "", false
	}
	b := []byte(ascii)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b), true
}

// toASCII converts each non-ASCII label of a domain to "xn--" and its
// punycode (RFC 3492), after folding it to lower case.
func toASCII(s string) (string, bool) {
	if isASCII(s) {
		return s, true
	}
	if !utf8.ValidString(s) {
		return "", false
	}
	labels := strings.Split(s, ".")
	for i, l := range labels {
		if isASCII(l) {
			continue
		}
		enc, ok := punycode(strings.ToLower(l))
		if !ok {
			return "", false
		}
		labels[i] = "xn--" + enc
	}
	return strings.Join(labels, "."), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// RFC 3492 6.1 parameters.
const (
	pBase        = 36
	pTMin        = 1
	pTMax        = 26
	pSkew        = 38
	pDamp        = 700
	pInitialBias = 72
	pInitialN    = 128
)

// punycode encodes a label (RFC 3492 6.3).
func punycode(label string) (string, bool) {
	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := rune(pInitialN), 0, pInitialBias
	for h < len(runes) {
		m := rune(0x7fffffff)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		if int(m-n) > (1<<31-1-delta)/(h+1) {
			return "", false
		}
		delta += int(m-n) * (h + 1)
		n = m
		for _, r := range runes {
			if r < n {
				delta++
			}
			if r == n {
				out = appendDelta(out, delta, bias)
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), true
}

// appendDelta writes one generalized variable-length integer.
func appendDelta(out []byte, delta, bias int) []byte {
	q := delta
	for k := pBase; ; k += pBase {
		t := k - bias
		if t < pTMin {
			t = pTMin
		} else if t > pTMax {
			t = pTMax
		}
		if q < t {
			break
		}
		out = append(out, digit(t+(q-t)%(pBase-t)))
		q = (q - t) / (pBase - t)
	}
	return append(out, digit(q))
}

func digit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

// adapt is the bias adaptation function (RFC 3492 6.1).
func adapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pBase-pTMin)*pTMax)/2 {
		delta /= pBase - pTMin
		k += pBase
	}
	return k + (pBase-pTMin+1)*delta/(delta+pSkew)
}
