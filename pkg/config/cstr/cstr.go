// Package cstr holds the C-string helpers that main.cf expansion
// (pkg/config) and postconf(1) (pkg/postconf) share, with the semantics
// of Postfix's util/ library (stringops.h), so that both read text
// exactly as Postfix does: a read past the end gives a NUL byte, and the
// character classes are ASCII only.
package cstr

import "strings"

// CharsSpace is CHARS_SPACE, the word separators.
const CharsSpace = " \t\r\n"

// At returns s[i], or 0 past the end, as reading a C string would.
func At(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

// IsSpace is Postfix's ISSPACE: isascii(c) && isspace(c).
func IsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// IsAlnum is Postfix's ISALNUM for ASCII.
func IsAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// IsDigit is Postfix's ISDIGIT.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// SkipSpace returns the index of the first non-ISSPACE byte of s.
func SkipSpace(s string) int {
	i := 0
	for i < len(s) && IsSpace(s[i]) {
		i++
	}
	return i
}

// Strspn is strspn(3): the length of the prefix of s made of bytes in
// set.
func Strspn(s, set string) int {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) >= 0 {
		i++
	}
	return i
}

// Strcspn is strcspn(3): the length of the prefix of s made of bytes
// not in set.
func Strcspn(s, set string) int {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) < 0 {
		i++
	}
	return i
}

// AllDigits is util/alldig.c: s is not empty and all ASCII digits.
func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsDigit(s[i]) {
			return false
		}
	}
	return true
}
