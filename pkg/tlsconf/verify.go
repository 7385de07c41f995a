package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"strings"
)

// Verify classifies the server certificate after a client handshake as
// Postfix logs it (verify_extract_name()): "Untrusted" (no trusted
// chain, or no match where one is required), "Trusted" (trusted chain,
// no name check at may/encrypt) or "Verified" (trusted and matching at
// verify/secure). why is the certificate verification failure for
// tls_log_verify_error(), "" when there is none.
func (c *Client) Verify(st *tls.ConnectionState, p Policy, host, nexthop string) (trust, why string) {
	if len(st.PeerCertificates) == 0 {
		return "Anonymous", ""
	}
	leaf := st.PeerCertificates[0]
	opts := x509.VerifyOptions{Roots: c.Roots, Intermediates: x509.NewCertPool()}
	for _, cert := range st.PeerCertificates[1:] {
		opts.Intermediates.AddCert(cert)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return "Untrusted", verifyError(err, leaf)
	}
	if !p.Level.MustMatch() {
		return "Trusted", ""
	}
	if MatchNames(leaf, p.Match, host, nexthop) {
		return "Verified", ""
	}
	return "Untrusted", "server certificate verification failed for %s: num=62:hostname mismatch"
}

// verifyError words a chain failure as tls_log_verify_error(); the
// result has one %s for the peer.
func verifyError(err error, leaf *x509.Certificate) string {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua) && string(leaf.RawIssuer) == string(leaf.RawSubject):
		return "certificate verification failed for %s: self-signed certificate"
	case errors.As(err, &ua):
		return "certificate verification failed for %s: untrusted issuer " +
			strings.ReplaceAll(oneline(leaf.Issuer), "%", "%%")
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "server certificate verification failed for %s: certificate has expired"
	}
	return "server certificate verification failed for %s: " + strings.ReplaceAll(err.Error(), "%", "%%")
}

// oneline is X509_NAME_oneline(): "/C=DE/O=Example/CN=Example CA".
func oneline(n pkix.Name) string {
	short := map[string]string{"2.5.4.6": "C", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.3": "CN",
		"2.5.4.7": "L", "2.5.4.8": "ST", "1.2.840.113549.1.9.1": "emailAddress"}
	var b strings.Builder
	for _, rdn := range n.ToRDNSequence() {
		for _, atv := range rdn {
			key := atv.Type.String()
			if s, ok := short[key]; ok {
				key = s
			}
			fmt.Fprintf(&b, "/%s=%v", key, atv.Value)
		}
	}
	return b.String()
}

// MatchNames checks the certificate against match patterns
// (add_namechecks()): "hostname", "nexthop", "dot-nexthop", a name, or
// ".domain" for its subdomains. Wildcards match one whole label.
func MatchNames(cert *x509.Certificate, patterns []string, host, nexthop string) bool {
	for _, pat := range patterns {
		name, sub := pat, false
		switch strings.ToLower(pat) {
		case "hostname":
			name = host
		case "nexthop":
			name = nexthop
		case "dot-nexthop":
			name, sub = nexthop, true
		default:
			if strings.HasPrefix(pat, ".") {
				name, sub = pat[1:], true
			}
		}
		if name == "" {
			continue
		}
		if sub && matchSubdomain(cert, name) || !sub && cert.VerifyHostname(name) == nil {
			return true
		}
	}
	return false
}

// matchSubdomain: some DNS name of the certificate is below domain.
func matchSubdomain(cert *x509.Certificate, domain string) bool {
	names := cert.DNSNames
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = []string{cert.Subject.CommonName}
	}
	suffix := "." + strings.ToLower(strings.TrimSuffix(domain, "."))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if strings.HasSuffix(n, suffix) && len(n) > len(suffix) {
			return true
		}
	}
	return false
}
