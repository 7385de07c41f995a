package sasl

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// AuthTimeout bounds connecting to and each read from the auth server
// (xsasl_dovecot_server.c AUTH_TIMEOUT).
const AuthTimeout = 10 * time.Second

// Dovecot is the client of one Dovecot auth server, shared by the
// sessions of a process.
type Dovecot struct {
	path    string // smtpd_sasl_path as configured, for logs
	network string
	address string
	Timeout time.Duration
	// Warn logs Postfix's "SASL: ..." warnings.
	Warn func(format string, args ...any)
	// Dial connects; default net.Dialer with Timeout.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	PID  int // CPID sent to the server

	mu     sync.Mutex
	conn   *dcConn // nil when not connected
	mechs  []Mech  // from the latest handshake
	nextID uint32
}

// NewDovecot prepares a client for smtpd_sasl_path. A relative socket
// path is taken from dir (the queue directory) when dir is not empty,
// else from the working directory, as Postfix does.
func NewDovecot(path, dir string, pid int) *Dovecot {
	d := &Dovecot{path: path, Timeout: AuthTimeout, PID: pid, Warn: func(string, ...any) {}}
	switch {
	case strings.HasPrefix(path, "inet:"):
		d.network, d.address = "tcp", inetAddress(path[5:])
	default:
		d.network, d.address = "unix", strings.TrimPrefix(path, "unix:")
		if dir != "" && !filepath.IsAbs(d.address) {
			d.address = filepath.Join(dir, d.address)
		}
	}
	return d
}

// inetAddress turns Postfix's host:port ("[::1]:12345" too) into Go's.
func inetAddress(hp string) string {
	if strings.HasPrefix(hp, "[") {
		return hp // already [v6]:port
	}
	i := strings.LastIndexByte(hp, ':')
	if i < 0 {
		return hp
	}
	return net.JoinHostPort(hp[:i], hp[i+1:])
}

// Path is smtpd_sasl_path as configured.
func (d *Dovecot) Path() string { return d.path }

// Mechanisms returns the server's mechanisms, connecting if no
// handshake has been done yet; the list of the latest handshake is kept
// while the server is unreachable.
func (d *Dovecot) Mechanisms() ([]Mech, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mechs != nil {
		return d.mechs, nil
	}
	if _, err := d.connectLocked(); err != nil {
		return nil, err
	}
	return d.mechs, nil
}

// connectLocked returns a usable connection: the current one if it is
// still open, else a new one after the handshake. d.mu is held.
func (d *Dovecot) connectLocked() (*dcConn, error) {
	if d.conn != nil && d.conn.usable() {
		return d.conn, nil
	}
	if d.conn != nil {
		d.conn.close()
		d.conn = nil
	}
	c, mechs, err := d.dialHandshake()
	if err != nil {
		return nil, err
	}
	d.conn, d.mechs = c, mechs
	go c.readLoop()
	return c, nil
}

// dialHandshake connects and reads the server's handshake
// (xsasl_dovecot_server_connect()); failures are logged as Postfix
// logs them.
func (d *Dovecot) dialHandshake() (*dcConn, []Mech, error) {
	dial := d.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: d.Timeout}).DialContext
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.Timeout)
	defer cancel()
	nc, err := dial(ctx, d.network, d.address)
	if err != nil {
		d.Warn("SASL: Connect to Dovecot auth socket '%s' failed: %s", d.path, errnoText(err))
		return nil, nil, err
	}
	c := newConn(nc, d.Timeout)
	if err := c.send(fmt.Sprintf("VERSION\t1\t0\nCPID\t%d\n", d.PID)); err != nil {
		d.Warn("SASL: Couldn't send handshake: %s", errnoText(err))
		nc.Close()
		return nil, nil, err
	}
	mechs, err := c.handshake()
	if err != nil {
		if err.Error() != "" {
			d.Warn("%v", err)
		}
		nc.Close()
		return nil, nil, fmt.Errorf("handshake failed")
	}
	return c, mechs, nil
}
