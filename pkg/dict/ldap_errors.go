package dict

// LDAP error codes and texts as Postfix logs them: OpenLDAP's result codes
// (RFC 4511 4.1.9) and API codes (negative) with ldap_err2string() texts,
// so that warnings read as they do with Postfix and libldap.

import (
	"errors"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// libldap API error codes (ldap.h).
const (
	ldapServerDown   = -1 // LDAP_SERVER_DOWN
	ldapLocalError   = -2 // LDAP_LOCAL_ERROR
	ldapDecodingErr  = -4 // LDAP_DECODING_ERROR
	ldapTimeout      = -5 // LDAP_TIMEOUT
	ldapAuthUnknown  = -6 // LDAP_AUTH_UNKNOWN
	ldapFilterError  = -7 // LDAP_FILTER_ERROR
	ldapNoSuchObject = 32 // LDAP_NO_SUCH_OBJECT
)

// ldapErrText is libldap's ldap_err2string() for the codes it knows.
var ldapErrText = map[int]string{
	0: "Success", 1: "Operations error", 2: "Protocol error",
	3: "Time limit exceeded", 4: "Size limit exceeded", 5: "Compare False",
	6: "Compare True", 7: "Authentication method not supported",
	8: "Strong(er) authentication required", 9: "Partial results and referral received",
	10: "Referral", 11: "Administrative limit exceeded",
	12: "Critical extension is unavailable", 13: "Confidentiality required",
	14: "SASL bind in progress", 16: "No such attribute",
	17: "Undefined attribute type", 18: "Inappropriate matching",
	19: "Constraint violation", 20: "Type or value exists", 21: "Invalid syntax",
	32: "No such object", 33: "Alias problem", 34: "Invalid DN syntax",
	35: "Entry is a leaf", 36: "Alias dereferencing problem",
	48: "Inappropriate authentication", 49: "Invalid credentials",
	50: "Insufficient access", 51: "Server is busy", 52: "Server is unavailable",
	53: "Server is unwilling to perform", 54: "Loop detected",
	64: "Naming violation", 65: "Object class violation",
	66: "Operation not allowed on non-leaf", 67: "Operation not allowed on RDN",
	68: "Already exists", 69: "Cannot modify object class",
	70: "Results too large", 71: "Operation affects multiple DSAs",
	80: "Other (e.g., implementation specific) error",
	-1: "Can't contact LDAP server", -2: "Local error", -3: "Encoding error",
	-4: "Decoding error", -5: "Timed out", -6: "Unknown authentication method",
	-7: "Bad search filter", -8: "User cancelled operation",
	-9: "Bad parameter to an ldap routine", -10: "Out of memory",
	-11: "Connect error", -12: "Not Supported",
}

// ldapErr2String is ldap_err2string().
func ldapErr2String(code int) string {
	if s, ok := ldapErrText[code]; ok {
		return s
	}
	return "Unknown error"
}

// ldapClientError is a failure found on the client side, with the
// libldap code that reports it.
type ldapClientError struct {
	code int
	msg  string
}

func (e ldapClientError) Error() string { return e.msg }

// ldapErrCode maps a go-ldap error to the code libldap would report.
func ldapErrCode(err error) int {
	var ce ldapClientError
	if errors.As(err, &ce) {
		return ce.code
	}
	var le *ldap.Error
	if !errors.As(err, &le) {
		return ldapLocalError
	}
	switch code := int(le.ResultCode); {
	case code < int(ldap.ErrorNetwork):
		return code
	case code == int(ldap.ErrorNetwork):
		if le.Err != nil && strings.Contains(le.Err.Error(), "timed out") {
			return ldapTimeout
		}
		return ldapServerDown
	case code == int(ldap.ErrorFilterCompile), code == int(ldap.ErrorFilterDecompile):
		return ldapFilterError
	case code == int(ldap.ErrorUnexpectedMessage), code == int(ldap.ErrorUnexpectedResponse):
		return ldapDecodingErr
	}
	return ldapLocalError
}

// ldapErrDetail is the go-ldap error without its "LDAP Result Code" prefix,
// for the error returned to callers.
func ldapErrDetail(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) && le.Err != nil {
		return le.Err.Error()
	}
	return err.Error()
}
