// Package tlstest makes certificates for tests: a private CA and
// certificates it signs, written as PEM files into a test's temporary
// directory. It is used only by tests.
package tlstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certification authority made by a test.
type CA struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	File    string // CA certificate as PEM, in the test's temporary directory
	dir     string
	serial  int64
	files   int // file name counter
}

// NewCA makes a CA named "Postern Test CA".
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Postern Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{Cert: cert, Key: key, dir: t.TempDir(), serial: 1}
	ca.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ca.File = filepath.Join(ca.dir, "ca.pem")
	write(t, ca.File, ca.CertPEM)
	return ca
}

// Leaf is a certificate with its key, written as PEM files.
type Leaf struct {
	Cert     *x509.Certificate
	CertPEM  []byte
	KeyPEM   []byte
	CertFile string // certificate followed by the CA certificate
	KeyFile  string
	Combined string // key, certificate, CA certificate: a chain file
}

// Issue makes a certificate for the DNS names with an RSA key
// (rsaBits > 0) or a P-256 key (rsaBits == 0).
func (ca *CA) Issue(t testing.TB, rsaBits int, names ...string) *Leaf {
	t.Helper()
	key := newKey(t, rsaBits)
	ca.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(ca.serial), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return ca.write(t, der, key, names[0])
}

// SelfSigned makes a self-signed RSA certificate for the names.
func SelfSigned(t testing.TB, names ...string) *Leaf {
	t.Helper()
	key := newKey(t, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return (&CA{dir: t.TempDir()}).write(t, der, key, names[0])
}

func newKey(t testing.TB, rsaBits int) crypto.Signer {
	t.Helper()
	var key crypto.Signer
	var err error
	if rsaBits > 0 {
		key, err = rsa.GenerateKey(rand.Reader, rsaBits)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func (ca *CA) write(t testing.TB, der []byte, key crypto.Signer, name string) *Leaf {
	t.Helper()
	cert, _ := x509.ParseCertificate(der)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	l := &Leaf{Cert: cert, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})}
	ca.files++
	base := filepath.Join(ca.dir, fmt.Sprintf("%s-%d", name, ca.files))
	l.CertFile, l.KeyFile, l.Combined = base+".crt", base+".key", base+".chain"
	write(t, l.CertFile, append(append([]byte{}, l.CertPEM...), ca.CertPEM...))
	write(t, l.KeyFile, l.KeyPEM)
	write(t, l.Combined, append(append(append([]byte{}, l.KeyPEM...), l.CertPEM...), ca.CertPEM...))
	return l
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
