package dict

// LDAP connections: opened on the first lookup, kept for the next ones,
// shared by the tables of a process that use the same server settings
// (dict_ldap_conn_find()), dropped after a failure and opened again on the
// next lookup.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// ldapShared is one connection and the tables that use it. mu is held for
// a whole lookup, so that a table never sees another table's half-made
// connection.
type ldapShared struct {
	mu   sync.Mutex
	conn *ldap.Conn // nil: not connected
	key  string
	refs int // guarded by ldapConns.mu
}

var ldapConns = struct {
	sync.Mutex
	m map[string]*ldapShared
}{m: map[string]*ldapShared{}}

// connKey joins every setting that makes a connection different, as
// dict_ldap_conn_find() does.
func (c *ldapConfig) connKey() string {
	tlsOn := c.startTLS || c.ldaps
	f := []string{strings.Join(c.urls, " "), strconv.FormatBool(c.bind), strconv.FormatBool(c.sasl)}
	if c.bind {
		f = append(f, c.bindDN, c.bindPW)
	}
	f = append(f, strconv.Itoa(c.deref), c.timeout.String(), strconv.FormatBool(c.startTLS))
	if tlsOn {
		t := c.tls
		f = append(f, strconv.FormatBool(t.requireCert), t.caFile, t.caDir, t.certFile, t.keyFile)
	}
	return strings.Join(f, "\x00")
}

// acquireLDAPConn returns the shared connection slot for key.
func acquireLDAPConn(key string) *ldapShared {
	ldapConns.Lock()
	defer ldapConns.Unlock()
	s := ldapConns.m[key]
	if s == nil {
		s = &ldapShared{key: key}
		ldapConns.m[key] = s
	}
	s.refs++
	return s
}

// release drops one table's use of s; the last one closes the connection.
func (s *ldapShared) release() {
	ldapConns.Lock()
	s.refs--
	last := s.refs == 0
	if last {
		delete(ldapConns.m, s.key)
	}
	ldapConns.Unlock()
	if last {
		s.mu.Lock()
		s.drop()
		s.mu.Unlock()
	}
}

// drop closes the connection (after an error, or at the end). s.mu held.
func (s *ldapShared) drop() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// errNoServer reports that no server answered and that nothing has been
// sent yet; with "bind = no" the search reports it, as libldap connects
// lazily.
type errNoServer struct{ err error }

func (e errNoServer) Error() string { return e.err.Error() }
func (e errNoServer) Unwrap() error { return e.err }

// connect opens a connection as dict_ldap_connect(): the first server of
// server_host that accepts it, then STARTTLS and the bind when configured.
// Failures are logged with Postfix's words.
func (c *ldapConfig) connect(warn func(string, ...any)) (*ldap.Conn, error) {
	conn, server, err := c.dialFirst()
	if err != nil {
		// libldap connects lazily: the first operation reports the failure.
		switch {
		case c.startTLS:
			c.warnStartTLS(warn, err)
		case c.bind:
			c.warnBind(warn, err)
		}
		return nil, err
	}
	if c.startTLS {
		tc, err := c.tlsConfig(urlHost(server))
		if err == nil {
			err = conn.StartTLS(tc)
		}
		if err != nil {
			c.warnStartTLS(warn, err)
			conn.Close()
			return nil, err
		}
	}
	if c.bind {
		var err error
		if c.sasl {
			err = c.externalBind(conn, server)
		} else {
			_, err = conn.SimpleBind(&ldap.SimpleBindRequest{
				Username: c.bindDN, Password: c.bindPW, AllowEmptyPassword: true,
			})
		}
		if err != nil {
			c.warnBind(warn, err)
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// externalBind binds with SASL EXTERNAL. As with Cyrus SASL, the
// mechanism is only available when the connection carries an identity:
// an ldapi:// socket or a TLS client certificate.
func (c *ldapConfig) externalBind(conn *ldap.Conn, server string) error {
	scheme, _, _ := ldapURLBody(server)
	_, tlsOn := conn.TLSConnectionState()
	if scheme != "ldapi" && !(tlsOn && c.tls.certFile != "") {
		return ldapClientError{ldapAuthUnknown, "SASL EXTERNAL needs an ldapi:// server or a TLS client certificate"}
	}
	return conn.ExternalBind()
}

func (c *ldapConfig) warnStartTLS(warn func(string, ...any), err error) {
	code := ldapErrCode(err)
	// XXX: Postfix logs this one with msg_error() ("error:").
	warn("dict_ldap_connect: Unable to set STARTTLS: %d: %s", code, ldapErr2String(code))
}

func (c *ldapConfig) warnBind(warn func(string, ...any), err error) {
	code := ldapErrCode(err)
	warn("dict_ldap_connect: Unable to bind to server %s with dn %s: %d (%s)",
		strings.Join(c.urls, " "), c.bindDNLog(), code, ldapErr2String(code))
}

func (c *ldapConfig) bindDNLog() string {
	if c.bindDN == "" {
		return "empty or implicit"
	}
	return c.bindDN
}

// dialFirst connects to the servers in turn, as libldap does with a list
// of URIs, and returns the connection and the URL it went to. The error of
// the last one is returned when none answers.
func (c *ldapConfig) dialFirst() (*ldap.Conn, string, error) {
	var last error
	for _, u := range c.urls {
		opts := []ldap.DialOpt{ldap.DialWithDialer(&net.Dialer{Timeout: c.timeout})}
		if scheme, _, _ := ldapURLBody(u); scheme == "ldaps" {
			tc, err := c.tlsConfig(urlHost(u))
			if err != nil {
				last = err
				continue
			}
			opts = append(opts, ldap.DialWithTLSConfig(tc))
		}
		conn, err := ldap.DialURL(u, opts...)
		if err == nil {
			conn.SetTimeout(c.timeout)
			return conn, u, nil
		}
		last = err
	}
	return nil, "", errNoServer{fmt.Errorf("%s: %w", strings.Join(c.urls, " "), last)}
}

// urlHost is the host name of an ldap:// or ldaps:// URL ("localhost"
// for ldapi://, whose host is a socket path).
func urlHost(u string) string {
	if scheme, _, _ := ldapURLBody(u); scheme == "ldapi" {
		return "localhost"
	}
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Hostname()
}

// tlsConfig builds the TLS settings from the tls_* parameters; host is
// the server name that the certificate must match.
func (c *ldapConfig) tlsConfig(host string) (*tls.Config, error) {
	t := c.tls
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	// ldap_table(5) tls_require_cert: "no" checks neither the chain nor
	// the name (TLS_REQCERT never); "yes" checks both (demand).
	tc.InsecureSkipVerify = !t.requireCert
	if t.caFile != "" || t.caDir != "" {
		pool, err := loadCAs(t.caFile, t.caDir)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if t.certFile != "" || t.keyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.certFile, t.keyFile)
		if err != nil {
			return nil, fmt.Errorf("tls_cert %s, tls_key %s: %w", t.certFile, t.keyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// loadCAs reads tls_ca_cert_file and the PEM files in tls_ca_cert_dir.
func loadCAs(file, dir string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	files := []string{}
	if file != "" {
		files = append(files, file)
	}
	if dir != "" {
		names, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			return nil, err
		}
		files = append(files, names...)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); f != file && (err != nil || !fi.Mode().IsRegular()) {
			continue // sockets, subdirectories, dangling links of a hashed directory
		}
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pem) && f == file {
			return nil, fmt.Errorf("tls_ca_cert_file %s: no PEM certificate", file)
		}
	}
	return pool, nil
}
