package dict

// A private OpenLDAP slapd for the ldap: table tests: slapd.conf, mdb
// database, certificates and sockets in a temp dir, loopback ports chosen
// at random, data loaded with ldapadd. Tests skip when slapd is not
// installed (Debian: apt-get install slapd ldap-utils).

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/internal/testport"
)

const (
	slapdSuffix = "dc=example,dc=com"
	slapdRootDN = "cn=admin,dc=example,dc=com"
	slapdRootPW = "secret"
	schemaDir   = "/etc/ldap/schema"
)

// slapd is one test directory server.
type slapd struct {
	t       *testing.T
	bin     string
	dir     string
	port    int    // ldap:// (and StartTLS)
	tlsPort int    // ldaps://
	sock    string // ldapi:// socket path
	caFile  string // CA that signed the server certificate
	cmd     *exec.Cmd
	stderr  *bytes.Buffer
	exited  chan struct{}
}

// findProgram looks in PATH and in the sbin directories that a non-root
// PATH often lacks.
func findProgram(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin"} {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// startSlapd starts a loaded server that is stopped when the test ends.
func startSlapd(t *testing.T) *slapd {
	t.Helper()
	bin := findProgram("slapd")
	if bin == "" {
		t.Skip("slapd is not installed (Debian: apt-get install slapd ldap-utils)")
	}
	if findProgram("ldapadd") == "" {
		t.Fatal("slapd is installed but ldapadd is not: install ldap-utils")
	}
	if _, err := os.Stat(filepath.Join(schemaDir, "core.schema")); err != nil {
		t.Fatalf("slapd schemas missing: %v", err)
	}
	s := &slapd{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), tlsPort: freePort(t)}
	s.sock = filepath.Join(s.dir, "ldapi")
	s.caFile = writeTestCerts(t, s.dir)
	s.writeConfig()
	s.start()
	t.Cleanup(s.stop)
	s.ldapadd("testdata/ldap/data.ldif")
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	return testport.Free(t)
}

// writeConfig writes slapd.conf: test schema, mdb database, ACLs that hide
// ou=private from anonymous clients, TLS certificate, and SASL EXTERNAL
// over ldapi:// or with the client certificate mapped to uid=postfix.
func (s *slapd) writeConfig() {
	schema, err := filepath.Abs("testdata/ldap/postern.schema")
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(s.dir, "db"), 0o700); err != nil {
		s.t.Fatal(err)
	}
	conf := fmt.Sprintf(`include %[1]s/core.schema
include %[1]s/cosine.schema
include %[1]s/inetorgperson.schema
include %[2]s
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[3]s/slapd.pid
TLSCACertificateFile %[3]s/ca.pem
TLSCertificateFile %[3]s/server.pem
TLSCertificateKeyFile %[3]s/server.key
TLSVerifyClient try
authz-regexp "gidNumber=.*,cn=peercred,cn=external,cn=auth" "uid=postfix,ou=people,%[4]s"
authz-regexp "cn=postfix-client" "uid=postfix,ou=people,%[4]s"
database mdb
suffix "%[4]s"
rootdn "%[5]s"
rootpw %[6]s
directory %[3]s/db
maxsize 10485760
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="ou=private,%[4]s" by users read by * none
access to * by * read
`, schemaDir, schema, s.dir, slapdSuffix, slapdRootDN, slapdRootPW)
	if err := os.WriteFile(filepath.Join(s.dir, "slapd.conf"), []byte(conf), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// url returns the server's URL for a scheme.
func (s *slapd) url(scheme string) string {
	switch scheme {
	case "ldaps":
		return fmt.Sprintf("ldaps://127.0.0.1:%d", s.tlsPort)
	case "ldapi":
		return "ldapi://" + strings.ReplaceAll(s.sock, "/", "%2F")
	}
	return fmt.Sprintf("ldap://127.0.0.1:%d", s.port)
}

// start runs slapd in the foreground (-d 0) and waits until it answers.
func (s *slapd) start() {
	s.t.Helper()
	urls := s.url("ldap") + "/ " + s.url("ldaps") + "/ " + s.url("ldapi") + "/"
	s.stderr = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin, "-f", filepath.Join(s.dir, "slapd.conf"), "-h", urls, "-d", "0")
	s.cmd.Stderr = s.stderr
	s.cmd.Stdout = s.stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.exited)
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.exited:
			s.t.Fatalf("slapd exited: %s", s.stderr)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.stop()
			s.t.Fatalf("slapd did not start listening: %s", s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop terminates slapd (SIGTERM, then SIGKILL) and waits for it.
func (s *slapd) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// ldapadd loads an LDIF file as the root DN.
func (s *slapd) ldapadd(file string) {
	s.t.Helper()
	out, err := exec.Command(findProgram("ldapadd"), "-x", "-H", s.url("ldap"),
		"-D", slapdRootDN, "-w", slapdRootPW, "-f", file).CombinedOutput()
	if err != nil {
		s.t.Fatalf("ldapadd %s: %v\n%s", file, err, out)
	}
}

// writeTestCerts makes a CA, a server certificate for 127.0.0.1 and
// localhost and a client certificate for "cn=postfix-client" in dir
// (ca.pem, server.pem, server.key, client.pem, client.key); it returns
// the CA file.
func writeTestCerts(t *testing.T, dir string) string {
	t.Helper()
	caKey, caCert, caDER := makeCert(t, nil, nil, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Postern test CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	})
	srvKey, _, srvDER := makeCert(t, caKey, caCert, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	cliKey, _, cliDER := makeCert(t, caKey, caCert, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "postfix-client"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", caDER)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", srvDER)
	writeKey(t, filepath.Join(dir, "server.key"), srvKey)
	writePEM(t, filepath.Join(dir, "client.pem"), "CERTIFICATE", cliDER)
	writeKey(t, filepath.Join(dir, "client.key"), cliKey)
	return filepath.Join(dir, "ca.pem")
}

func writeKey(t *testing.T, path string, key *ecdsa.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, path, "PRIVATE KEY", der)
}

// makeCert creates a certificate from tmpl, signed by parent (self-signed
// when parent is nil).
func makeCert(t *testing.T, parentKey *ecdsa.PrivateKey, parent, tmpl *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
