package smtpd

import "crypto/tls"

// tlsSession is the state of a session after the TLS handshake.
type tlsSession struct {
	state tls.ConnectionState
}
