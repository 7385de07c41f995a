package tlsconf

import (
	"crypto/x509"
	"fmt"
)

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }

func x509Opts(pool *x509.CertPool) x509.VerifyOptions { return x509.VerifyOptions{Roots: pool} }
