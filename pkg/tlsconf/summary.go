package tlsconf

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
)

// Info describes a finished handshake, as the fields of Postfix's
// TLS_SESS_STATE that its logs and Received: header use.
type Info struct {
	Protocol         string // "TLSv1.3"
	Cipher           string // OpenSSL name
	UseBits, AlgBits int
	KexName          string // TLS 1.3 only, as tls_get_signature_params()
	KexCurve         string
	SigName          string // server signature (TLS 1.3 only)
	SigCurve         string
	SigBits          int
	SigDigest        string
}

// Describe fills Info from a connection state. serverCert is the
// server's certificate: the peer's on the client side, our own on the
// server side.
func Describe(st *tls.ConnectionState, serverCert *x509.Certificate) Info {
	bits := CipherBits(st.CipherSuite)
	i := Info{Protocol: VersionName(st.Version), Cipher: CipherName(st.CipherSuite), UseBits: bits, AlgBits: bits}
	if st.Version < tls.VersionTLS13 {
		return i
	}
	i.KexName, i.KexCurve = kexName(st.CurveID)
	if serverCert != nil {
		i.sigParams(serverCert)
	}
	return i
}

// kexName names a TLS 1.3 key exchange group as OpenSSL does.
func kexName(id tls.CurveID) (string, string) {
	switch id {
	case tls.X25519:
		return "X25519", ""
	case tls.CurveP256:
		return "ECDHE", "prime256v1"
	case tls.CurveP384:
		return "ECDHE", "secp384r1"
	case tls.CurveP521:
		return "ECDHE", "secp521r1"
	case 0:
		return "", ""
	}
	return id.String(), ""
}

// sigParams names the server signature by the certificate's key.
// XXX: Go does not report the signature scheme it used; the digest is
// the one Go picks for the key with every common client (SHA256 for
// RSA-PSS and P-256, the curve's own for P-384 and P-521).
func (i *Info) sigParams(c *x509.Certificate) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		i.SigName, i.SigBits, i.SigDigest = "RSA-PSS", k.N.BitLen(), "SHA256"
	case *ecdsa.PublicKey:
		i.SigName = "ECDSA"
		switch k.Curve {
		case elliptic.P256():
			i.SigCurve, i.SigDigest = "prime256v1", "SHA256"
		case elliptic.P384():
			i.SigCurve, i.SigDigest = "secp384r1", "SHA384"
		case elliptic.P521():
			i.SigCurve, i.SigDigest = "secp521r1", "SHA512"
		}
	case ed25519.PublicKey:
		i.SigName = "ED25519"
	}
}

// Summary is the protocol part of tls_log_summary()'s line:
// "TLSv1.3 with cipher X (256/256 bits) key-exchange X25519
// server-signature RSA-PSS (2048 bits) server-digest SHA256".
func (i Info) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s with cipher %s (%d/%d bits)", i.Protocol, i.Cipher, i.UseBits, i.AlgBits)
	if i.KexName != "" {
		b.WriteString(" " + i.kex())
	}
	if i.SigName != "" {
		b.WriteString(" " + i.sig())
	}
	return b.String()
}

func (i Info) kex() string {
	s := "key-exchange " + i.KexName
	if i.KexCurve != "" {
		s += " (" + i.KexCurve + ")"
	}
	return s
}

func (i Info) sig() string {
	s := "server-signature " + i.SigName
	switch {
	case i.SigCurve != "":
		s += " (" + i.SigCurve + ")"
	case i.SigBits > 0:
		s += fmt.Sprintf(" (%d bits)", i.SigBits)
	}
	if i.SigDigest != "" {
		s += " server-digest " + i.SigDigest
	}
	return s
}

// LogLine is tls_log_summary(): trust is "Anonymous", "Untrusted",
// "Trusted" or "Verified"; server selects "from" (smtpd) or "to" (smtp).
func (i Info) LogLine(trust string, server, reused bool, namaddr string) string {
	usage, dir := "established", "to"
	if reused {
		usage = "reused"
	}
	if server {
		dir = "from"
	}
	return fmt.Sprintf("%s TLS connection %s %s %s: %s", trust, usage, dir, namaddr, i.Summary())
}

// Received is the smtpd Received: header comment for TLS
// (smtpd_tls_received_header = yes), as lines starting with a tab,
// joined with "\n".
func (i Info) Received() string {
	lines := []string{}
	buf := fmt.Sprintf("\t(using %s with cipher %s (%d/%d bits)", i.Protocol, i.Cipher, i.UseBits, i.AlgBits)
	cont := false
	if i.KexName != "" {
		lines = append(lines, buf)
		buf, cont = "\t "+i.kex(), true
	}
	if i.SigName != "" {
		if cont {
			buf += " " + i.sig()
		} else {
			lines = append(lines, buf)
			buf = "\t " + i.sig()
		}
	}
	lines = append(lines, buf+")", "\t(No client certificate requested)")
	return strings.Join(lines, "\n")
}
