package tlsconf

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/tlsconf/tlstest"
)

func TestKeyFiles(t *testing.T) {
	ca := tlstest.NewCA(t)
	rsaLeaf := ca.Issue(t, 2048, "mx.example.com")
	ecLeaf := ca.Issue(t, 0, "mx.example.com")
	dir := t.TempDir()
	mixed := filepath.Join(dir, "mixed.pem") // certificate, key, CA: key in the middle
	os.WriteFile(mixed, append(append(append([]byte{}, rsaLeaf.CertPEM...), rsaLeaf.KeyPEM...), ca.CertPEM...), 0o600)
	for _, c := range []struct {
		name  string
		files KeyFiles
		n     int
		err   string
	}{
		{"separate", KeyFiles{CertFile: rsaLeaf.CertFile, KeyFile: rsaLeaf.KeyFile}, 1, ""},
		{"mixed", KeyFiles{CertFile: mixed}, 1, ""},
		{"rsa+ec", KeyFiles{CertFile: rsaLeaf.CertFile, KeyFile: rsaLeaf.KeyFile, ECCertFile: ecLeaf.CertFile, ECKeyFile: ecLeaf.KeyFile}, 2, ""},
		{"chain", KeyFiles{ChainFiles: []string{rsaLeaf.Combined, ecLeaf.Combined}}, 2, ""},
		{"mismatch", KeyFiles{CertFile: rsaLeaf.CertFile, KeyFile: ecLeaf.KeyFile},
			0, "RSA private key in " + ecLeaf.KeyFile + " does not match public key in " + rsaLeaf.CertFile + ": disabling TLS support"},
		{"missing", KeyFiles{CertFile: dir + "/nope.pem"}, 0, `cannot get RSA certificate from file "` + dir + `/nope.pem": disabling TLS support`},
		{"chain key not first", KeyFiles{ChainFiles: []string{rsaLeaf.CertFile}}, 0, "error loading chain from " + rsaLeaf.CertFile + ": key not first"},
		{"chain missing", KeyFiles{ChainFiles: []string{dir + "/nope"}}, 0, "error opening chain file: " + dir + "/nope: no such file or directory"},
		{"dsa", KeyFiles{DCertFile: rsaLeaf.CertFile}, 0, "DSA keys are not supported"},
	} {
		certs, err := c.files.Load(nil)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %v, want %s", c.name, err, c.err)
			}
			continue
		}
		if err != nil || len(certs) != c.n || len(certs[0].Certificate) != 2 {
			t.Errorf("%s: %d certs, %v", c.name, len(certs), err)
		}
	}
}

func TestLoadCA(t *testing.T) {
	ca := tlstest.NewCA(t)
	leaf := ca.Issue(t, 0, "mx.example.com")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "abcd1234.0"), ca.CertPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a certificate\n"), 0o644)
	for _, c := range [][2]string{{ca.File, ""}, {"", dir}} {
		pool, err := LoadCA(c[0], c[1], false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaf.Cert.Verify(x509Opts(pool)); err != nil {
			t.Errorf("%v: %v", c, err)
		}
	}
	if pool, _ := LoadCA("", "", false); pool == nil {
		t.Error("empty settings must trust nothing, not fail")
	} else if _, err := leaf.Cert.Verify(x509Opts(pool)); err == nil {
		t.Error("empty settings trust the test CA")
	}
	_, err := LoadCA(dir+"/none", dir+"/nodir", false)
	if want := `cannot load Certification Authority data, CAfile="` + dir + `/none", CApath="` + dir + `/nodir": disabling TLS support`; err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
}

func testCfg(m map[string]string) *config.Config {
	return config.New("/nonexistent", &config.File{Map: m})
}

func TestNewServer(t *testing.T) {
	ca := tlstest.NewCA(t)
	leaf := ca.Issue(t, 2048, "mx.example.com")
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, sprintf(f, a...)) }
	s, err := NewServer(testCfg(map[string]string{"smtpd_tls_security_level": "encrypt",
		"smtpd_tls_cert_file": leaf.CertFile, "smtpd_tls_key_file": leaf.KeyFile,
		"smtpd_tls_mandatory_protocols": ">=TLSv1.2"}), warn)
	if err != nil || !s.Use || !s.Enforce || !s.AuthOnly || s.Config == nil || s.Config.MinVersion != tls.VersionTLS12 {
		t.Fatalf("%+v %v %v", s, err, warnings)
	}
	// Legacy names, and no certificate: TLS offered but unavailable.
	s, err = NewServer(testCfg(map[string]string{"smtpd_use_tls": "yes"}), warn)
	if err != nil || !s.Use || s.Enforce || s.Config != nil || warnings[0] != "No server certs available. TLS won't be enabled" {
		t.Fatalf("%+v %v %v", s, err, warnings)
	}
	s, _ = NewServer(testCfg(map[string]string{"smtpd_tls_wrappermode": "yes", "smtpd_tls_security_level": "none",
		"smtpd_tls_chain_files": leaf.Combined}), warn)
	if !s.Enforce || !s.Use || s.Config == nil {
		t.Errorf("wrapper mode: %+v", s)
	}
	s, _ = NewServer(testCfg(map[string]string{"smtpd_tls_security_level": "verify", "smtpd_tls_cert_file": leaf.CertFile,
		"smtpd_tls_key_file": leaf.KeyFile}), warn)
	if !s.Enforce || warnings[len(warnings)-1] != `smtpd_tls_security_level: unsupported TLS level "verify", using "encrypt"` {
		t.Errorf("verify: %+v %v", s, warnings)
	}
	if _, err := NewServer(testCfg(map[string]string{"smtpd_tls_security_level": "dane"}), warn); err == nil ||
		err.Error() != `Invalid TLS level "dane"` {
		t.Errorf("dane: %v", err)
	}
}
