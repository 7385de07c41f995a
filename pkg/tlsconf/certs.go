package tlsconf

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFiles name the certificates and keys of one side
// (tls_set_my_certificate_key_info()).
type KeyFiles struct {
	ChainFiles       []string // *_tls_chain_files: overrides the rest
	CertFile         string   // *_tls_cert_file (RSA in Postfix's naming; any key type here)
	KeyFile          string   // *_tls_key_file; "" means CertFile
	ECCertFile       string   // *_tls_eccert_file
	ECKeyFile        string   // *_tls_eckey_file; "" means ECCertFile
	DCertFile        string   // *_tls_dcert_file: DSA, refused
	ChainParamName   string   // for the warning about ignored legacy files
	LegacyParamNames [3]string
}

// Empty reports whether no certificate is configured.
func (k KeyFiles) Empty() bool {
	return len(k.ChainFiles) == 0 && k.CertFile == "" && k.ECCertFile == "" && k.DCertFile == ""
}

// Load reads the keys and certificates. warn receives Postfix's
// non-fatal warnings; an error means TLS must be disabled.
func (k KeyFiles) Load(warn func(format string, args ...any)) ([]tls.Certificate, error) {
	if len(k.ChainFiles) > 0 {
		if (k.CertFile != "" || k.ECCertFile != "" || k.DCertFile != "") && warn != nil {
			warn("Both %s and one or more of the legacy  %s, %s or %s are non-empty; the legacy  parameters will be ignored",
				k.ChainParamName, k.LegacyParamNames[0], k.LegacyParamNames[1], k.LegacyParamNames[2])
		}
		return loadChainFiles(k.ChainFiles)
	}
	if k.DCertFile != "" {
		return nil, fmt.Errorf("cannot get DSA certificate from file \"%s\": DSA keys are not supported by Go's TLS library: disabling TLS support", k.DCertFile)
	}
	var out []tls.Certificate
	for _, p := range []struct{ kind, cert, key string }{
		{"RSA", k.CertFile, k.KeyFile}, {"ECDSA", k.ECCertFile, k.ECKeyFile}} {
		if p.cert == "" {
			continue
		}
		c, err := loadPair(p.kind, p.cert, p.key)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// pemObject is one decoded PEM block: a key or a certificate.
type pemObject struct {
	key  crypto.Signer
	cert *x509.Certificate
	der  []byte
}

// readPEM decodes every key and certificate block of a file.
func readPEM(path string) ([]pemObject, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []pemObject
	for n := 1; ; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		o, err := decodeBlock(b)
		if err != nil {
			return nil, fmt.Errorf("error loading %s (PEM object number %d) from %s: %v",
				strings.ToLower(b.Type), n, path, err)
		}
		if o.key != nil || o.cert != nil {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("No PEM data in %s", path)
	}
	return out, nil
}

func decodeBlock(b *pem.Block) (pemObject, error) {
	switch b.Type {
	case "CERTIFICATE", "TRUSTED CERTIFICATE":
		c, err := x509.ParseCertificate(b.Bytes)
		return pemObject{cert: c, der: b.Bytes}, err
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		k, err := parseKey(b)
		return pemObject{key: k}, err
	}
	return pemObject{}, nil // other PEM types are skipped, as Postfix does
}

func parseKey(b *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("unsupported private key type")
	}
	return s, nil
}

// loadPair loads a certificate chain file and its key file; when both
// are the same file the key may be anywhere in it (load_mixed_file()).
func loadPair(kind, certFile, keyFile string) (tls.Certificate, error) {
	if keyFile == "" {
		keyFile = certFile
	}
	objs, err := readPEM(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("cannot get %s certificate from file \"%s\": disabling TLS support: %v", kind, certFile, err)
	}
	var key crypto.Signer
	var chain []pemObject
	for _, o := range objs {
		if o.cert != nil {
			chain = append(chain, o)
		} else if keyFile == certFile && key == nil {
			key = o.key
		}
	}
	if keyFile != certFile {
		kobjs, err := readPEM(keyFile)
		for _, o := range kobjs {
			if key == nil && o.key != nil {
				key = o.key
			}
		}
		if err != nil || key == nil {
			return tls.Certificate{}, fmt.Errorf("cannot get %s private key from file \"%s\": disabling TLS support", kind, keyFile)
		}
	}
	c, err := makeCert(key, chain)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s private key in %s does not match public key in %s: disabling TLS support", kind, keyFile, certFile)
	}
	return c, nil
}

// makeCert checks that key belongs to the first certificate.
func makeCert(key crypto.Signer, chain []pemObject) (tls.Certificate, error) {
	if key == nil || len(chain) == 0 {
		return tls.Certificate{}, errors.New("missing key or certificate")
	}
	pub, ok := chain[0].cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return tls.Certificate{}, errors.New("key does not match certificate")
	}
	c := tls.Certificate{PrivateKey: key, Leaf: chain[0].cert}
	for _, o := range chain {
		c.Certificate = append(c.Certificate, o.der)
	}
	return c, nil
}

// loadChainFiles reads (key, cert, [chain]) sequences from the files
// (load_chain_files()): each key starts a new chain.
func loadChainFiles(files []string) ([]tls.Certificate, error) {
	var out []tls.Certificate
	var key crypto.Signer
	var chain []pemObject
	keyNum, keySrc := 0, ""
	finish := func() error {
		if key == nil && len(chain) == 0 {
			return nil
		}
		if len(chain) == 0 {
			return fmt.Errorf("No certs for key at index %d in %s", keyNum, keySrc)
		}
		c, err := makeCert(key, chain)
		if err != nil {
			return fmt.Errorf("key at index %d in %s does not match next certificate", keyNum, keySrc)
		}
		out = append(out, c)
		key, chain = nil, nil
		return nil
	}
	for _, f := range files {
		objs, err := readPEM(f)
		if err != nil {
			return nil, chainErr(files, fmt.Errorf("error opening chain file: %s: %v", f, unwrapPath(err)))
		}
		for n, o := range objs {
			if o.key != nil {
				if err := finish(); err != nil {
					return nil, chainErr(files, err)
				}
				key, keyNum, keySrc = o.key, n+1, f
				continue
			}
			if key == nil {
				return nil, chainErr(files, fmt.Errorf("error loading chain from %s: key not first", f))
			}
			chain = append(chain, o)
		}
	}
	if err := finish(); err != nil {
		return nil, chainErr(files, err)
	}
	return out, nil
}

func chainErr(files []string, err error) error {
	return fmt.Errorf("%v; error loading private keys and certificates from: %s: disabling TLS support",
		err, strings.Join(files, " "))
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// LoadCA reads trust anchors from a PEM file and/or a directory
// (tls_set_ca_certificate_info()). As with OpenSSL in Postfix, nothing
// is trusted when both are empty; appendDefault (tls_append_default_CA)
// adds the system's roots when one of them is set.
func LoadCA(file, dir string, appendDefault bool) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if file == "" && dir == "" {
		return pool, nil
	}
	if appendDefault {
		if sys, err := x509.SystemCertPool(); err == nil {
			pool = sys
		}
	}
	ok := true
	if file != "" {
		data, err := os.ReadFile(file)
		ok = err == nil && pool.AppendCertsFromPEM(data)
	}
	if dir != "" && ok {
		ok = loadCADir(pool, dir)
	}
	if !ok {
		return nil, fmt.Errorf("cannot load Certification Authority data, %s: disabling TLS support", caPaths(file, dir))
	}
	return pool, nil
}

// caPaths is CA_PATH_FMT: `CAfile="f", CApath="d"`.
func caPaths(file, dir string) string {
	var parts []string
	if file != "" {
		parts = append(parts, "CAfile=\""+file+"\"")
	}
	if dir != "" {
		parts = append(parts, "CApath=\""+dir+"\"")
	}
	return strings.Join(parts, ", ")
}

// loadCADir adds the certificates of every file in dir; files without
// certificates are skipped.
func loadCADir(pool *x509.CertPool, dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
			pool.AppendCertsFromPEM(data)
		}
	}
	return true
}
