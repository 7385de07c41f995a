package tlsconf

import (
	"crypto/tls"
	"os/exec"
	"strings"
	"testing"
)

func TestProtocols(t *testing.T) {
	for _, c := range []struct {
		list     string
		min, max uint16
		err      bool
	}{
		{">=TLSv1", tls.VersionTLS10, tls.VersionTLS13, false},
		{">=TLSv1.2", tls.VersionTLS12, tls.VersionTLS13, false},
		{"!SSLv2, !SSLv3", tls.VersionTLS10, tls.VersionTLS13, false},
		{"!SSLv2:!SSLv3:!TLSv1:!TLSv1.1", tls.VersionTLS12, tls.VersionTLS13, false},
		{"TLSv1.2 TLSv1.3", tls.VersionTLS12, tls.VersionTLS13, false},
		{"<=TLSv1.2", tls.VersionTLS10, tls.VersionTLS12, false},
		{">=0x0303", tls.VersionTLS12, tls.VersionTLS13, false},
		{"", tls.VersionTLS10, tls.VersionTLS13, false},
		{"!TLSv1.2", 0, 0, true},   // a hole Go cannot express
		{"tlsv1.2", 0, 0, true},    // names are case-sensitive, as in Postfix
		{"SSLv3", 0, 0, true},      // nothing Go can speak
		{">=TLSv1.4x", 0, 0, true}, // bad version
		{"!TLSv1.3 !TLSv1.2 !TLSv1.1 !TLSv1", 0, 0, true},
	} {
		minV, maxV, err := Protocols(c.list)
		if (err != nil) != c.err || !c.err && (minV != c.min || maxV != c.max) {
			t.Errorf("%q: got %x %x %v", c.list, minV, maxV, err)
		}
	}
}

// TestCipherListAgainstOpenSSL evaluates cipher strings with both
// OpenSSL and cipherlist.go; restricted to the suites Go has, the
// order must be the same.
func TestCipherListAgainstOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	known := map[string]bool{}
	for _, s := range suites {
		known[s.name] = true
	}
	for _, list := range []string{
		"aNULL:-aNULL:HIGH:@STRENGTH", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
		"ECDHE+AESGCM:!aNULL", "HIGH:!aNULL:!MD5:!RC4", "ALL:-RSA:+AES128", "ALL:-kRSA:+AES128:@STRENGTH",
		"kEECDH+AESGCM:kEECDH+CHACHA20:@STRENGTH", "HIGH:-AES128:@STRENGTH", "DEFAULT:!kRSA:!SHA1",
		"HIGH:!aRSA", "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA", "HIGH:!AES256:!CHACHA20",
	} {
		out, err := exec.Command("openssl", "ciphers", list).Output()
		if err != nil {
			t.Fatalf("openssl ciphers %s: %v", list, err)
		}
		var want []string
		for _, n := range strings.Split(strings.TrimSpace(string(out)), ":") {
			if known[n] {
				want = append(want, n)
			}
		}
		ids, err := CipherList(list)
		var got []string
		for _, id := range ids {
			got = append(got, CipherName(id))
		}
		if strings.Join(got, ":") != strings.Join(want, ":") {
			t.Errorf("%s:\n got %v (%v)\nwant %v", list, got, err, want)
		}
	}
}

func TestGradeCiphers(t *testing.T) {
	param := map[string]string{"tls_high_cipherlist": "aNULL:-aNULL:HIGH:@STRENGTH",
		"tls_medium_cipherlist": "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH"}
	get := func(n string) string { return param[n] }
	med, err := GradeCiphers("medium", get)
	if err != nil || len(med) != len(suites) || med[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 {
		t.Fatalf("medium: %v %v", med, err)
	}
	ex, err := GradeCiphers("high", get, "kRSA, SHA1", "CHACHA20")
	for _, id := range ex {
		if n := CipherName(id); !strings.HasPrefix(n, "ECDHE") || !strings.Contains(n, "GCM") {
			t.Errorf("exclusions left %s", n)
		}
	}
	if err != nil || len(ex) != 4 {
		t.Errorf("high minus exclusions: %v %v", ex, err)
	}
	for grade, want := range map[string]string{
		"null":   `cipher grade "null" is not supported: Go's TLS library has no NULL ciphers`,
		"bogus":  `invalid cipher grade: "bogus"`,
		"medium": `error setting cipher grade: "medium": no cipher match in "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!ALL"`,
	} {
		if _, err := GradeCiphers(grade, get, "ALL"); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", grade, err, want)
		}
	}
	if _, err := GradeCiphers("high", get, "!RC4"); err == nil {
		t.Error("unary operator in an exclusion accepted")
	}
}

func TestLevels(t *testing.T) {
	for name, want := range map[string]Level{"none": LevelNone, "may": LevelMay, "encrypt": LevelEncrypt,
		"verify": LevelVerify, "secure": LevelSecure, "dane": LevelDane, "halfdane": LevelInvalid,
		"MAY": LevelInvalid, "": LevelInvalid} {
		if got := LookupLevel(name); got != want {
			t.Errorf("%q: %v", name, got)
		}
	}
	if !LevelEncrypt.Required() || LevelMay.Required() || !LevelVerify.MustMatch() || LevelEncrypt.MustMatch() {
		t.Error("level predicates")
	}
}
