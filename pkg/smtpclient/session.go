package smtpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/pkg/deliver"
)

// session is one connection to one server (SMTP_SESSION).
type session struct {
	a           *attempt
	conn        net.Conn
	br          *bufio.Reader
	bw          *bufio.Writer // over out
	out         timedWriter
	host        string // server name: MX host, destination, or $myhostname for UNIX sockets
	addr        string // server address or socket path
	namaddr     string // host[addr]
	namaddrport string // host[addr]:port (host[path] for UNIX sockets)
	feat        features
	sizeLimit   int64
	tlsState    *tls.ConnectionState
	best        bool // best MX
	reuse       int  // times used before
	probeNext   bool // a reused session whose RSET probe goes out with the next commands
	port        int  // TCP port; 0 for UNIX sockets
	opened      time.Time
}

// features are the EHLO/LHLO keywords that matter.
type features struct {
	esmtp, pipelining, size, eightbitmime, starttls, dsn, smtputf8 bool
	auth                                                           saslFeature // sasl.go
}

// failure is a problem with a whole session or transaction, with the DSN
// to report (smtp_site_fail, smtp_mesg_fail, smtp_stream_except).
type failure struct {
	dsn        deliver.DSN
	throttle   bool // the destination is in trouble: set the hop status
	retryPlain bool // opportunistic TLS failed: try the address again in plaintext
}

func (f *failure) Error() string { return f.dsn.Reason }

// streamError turns an I/O error into Postfix's "lost connection" or
// "timed out" failure (smtp_stream_except).
func (s *session) streamError(err error, where string) *failure {
	var ne net.Error
	text := fmt.Sprintf("lost connection with %s while %s", s.namaddr, where)
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		text = fmt.Sprintf("conversation with %s timed out while %s", s.namaddr, where)
	}
	return &failure{dsn: deliver.Simple("4.4.2", text), throttle: true}
}

// dial connects to one target (smtp_connect_addr, smtp_connect_unix).
func (a *attempt) dial(ctx context.Context, network, address string) (net.Conn, error) {
	d := a.cfg.Dialer
	if d == nil {
		nd := &net.Dialer{Timeout: a.cfg.Timeouts.Connect, LocalAddr: a.bindAddr(network, address)}
		d = nd.DialContext
	} else if a.cfg.Timeouts.Connect > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.cfg.Timeouts.Connect)
		defer cancel()
	}
	return d(ctx, network, address)
}

// bindAddr is smtp_bind_address or smtp_bind_address6 for the family
// of address; nil for none.
func (a *attempt) bindAddr(network, address string) net.Addr {
	if network != "tcp" {
		return nil
	}
	host, _, _ := net.SplitHostPort(address)
	ip := net.ParseIP(host)
	bind := a.cfg.BindAddr4
	if ip != nil && ip.To4() == nil {
		bind = a.cfg.BindAddr6
	}
	if b := net.ParseIP(bind); b != nil {
		return &net.TCPAddr{IP: b}
	}
	return nil
}

// connectInet opens a TCP session to t on port.
func (a *attempt) connectInet(ctx context.Context, t Target, port int) (*session, *deliver.DSN) {
	s := &session{a: a, host: t.Host, addr: t.Addr.String(), best: t.Best, port: port, opened: time.Now()}
	s.namaddr = s.host + "[" + s.addr + "]"
	s.namaddrport = s.namaddr + ":" + strconv.Itoa(port)
	conn, err := a.dial(ctx, "tcp", net.JoinHostPort(s.addr, strconv.Itoa(port)))
	if err != nil {
		dsn := deliver.Simple("4.4.1", fmt.Sprintf("connect to %s: %s", s.namaddrport, errnoText(err)))
		return nil, &dsn
	}
	s.setConn(conn)
	return s, nil
}

// connectUnix opens a session on a UNIX-domain socket; the host name
// is $myhostname, as Postfix logs it.
func (a *attempt) connectUnix(ctx context.Context, path string) (*session, *deliver.DSN) {
	s := &session{a: a, host: a.cfg.MyHostname, addr: path, best: true, opened: time.Now()}
	s.namaddr = s.host + "[" + path + "]"
	s.namaddrport = s.namaddr
	full := path
	if !strings.HasPrefix(full, "/") && a.cfg.QueueDir != "" {
		full = a.cfg.QueueDir + "/" + path
	}
	conn, err := a.dial(ctx, "unix", full)
	if err != nil {
		dsn := deliver.Simple("4.4.1", fmt.Sprintf("connect to %s: %s", s.namaddr, errnoText(err)))
		return nil, &dsn
	}
	s.setConn(conn)
	return s, nil
}

// writeBuffer is the session's output buffer: a small message and its
// final dot go out in one write.
const writeBuffer = 16 << 10

func (s *session) setConn(conn net.Conn) {
	s.conn = conn
	s.br = bufio.NewReader(conn)
	s.out = timedWriter{conn: conn}
	s.bw = bufio.NewWriterSize(&s.out, writeBuffer)
}

// timedWriter gives every write to the connection its own deadline, the
// timeout of the stage being sent: Postfix's per-I/O stream timeouts.
type timedWriter struct {
	conn    net.Conn
	timeout time.Duration
}

func (w *timedWriter) Write(p []byte) (int, error) {
	if w.timeout > 0 {
		w.conn.SetWriteDeadline(time.Now().Add(w.timeout))
	}
	return w.conn.Write(p)
}

// errnoText returns the strerror() text of a connection error.
func errnoText(err error) string {
	var errno interface{ Error() string }
	var se *os.SyscallError
	if errors.As(err, &se) {
		errno = se.Err
		return capitalize(errno.Error())
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "Connection timed out"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return capitalize(oe.Err.Error())
	}
	return err.Error()
}

// capitalize turns Go's "connection refused" into strerror()'s
// "Connection refused".
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// command sends one command line.
func (s *session) command(timeout time.Duration, where, format string, args ...any) *failure {
	s.queue(format, args...)
	return s.flush(timeout, where)
}

// queue adds a command line to the output buffer without sending it
// (pipelining, RFC 2920).
func (s *session) queue(format string, args ...any) {
	if len(args) == 1 && format == "%s" {
		s.bw.WriteString(args[0].(string))
	} else {
		fmt.Fprintf(s.bw, format, args...)
	}
	s.bw.WriteString("\r\n")
}

// flush sends what is buffered, each write within timeout.
func (s *session) flush(timeout time.Duration, where string) *failure {
	s.out.timeout = timeout
	if err := s.bw.Flush(); err != nil {
		return s.streamError(err, where)
	}
	return nil
}

// reply reads one reply.
func (s *session) reply(timeout time.Duration, where string) (*Reply, *failure) {
	s.conn.SetReadDeadline(time.Now().Add(timeout))
	r, err := readReply(s.br)
	if err != nil {
		return nil, s.streamError(err, where)
	}
	return r, nil
}

// chat sends a command and reads its reply.
func (s *session) chat(timeout time.Duration, where, format string, args ...any) (*Reply, *failure) {
	if f := s.command(timeout, where, format, args...); f != nil {
		return nil, f
	}
	return s.reply(timeout, where)
}

// remoteDSN is the DSN of a server's negative reply (vsmtp_fill_dsn): a
// reply whose class is not 4 or 5 is a protocol error, 5.5.0.
func (s *session) remoteDSN(r *Reply, format string, args ...any) deliver.DSN {
	status := r.DSN
	reason := fmt.Sprintf(format, args...)
	if status == "" || (status[0] != '4' && status[0] != '5') {
		status, reason = "5.5.0", "Protocol error: "+reason
	}
	return deliver.DSN{Status: status, Reason: reason, DiagType: "smtp", DiagText: r.Line(),
		MTAType: "dns", MTAName: s.host}
}

// quit ends the session politely (smtp_quit); errors do not matter.
func (s *session) quit() {
	if s.command(s.a.cfg.Timeouts.Quit, "sending QUIT", "QUIT") == nil && !s.a.cfg.SkipQuitResponse {
		s.reply(s.a.cfg.Timeouts.Quit, "sending QUIT")
	}
	s.close()
}

func (s *session) close() {
	if s.conn != nil {
		s.conn.Close()
	}
}

// localDataError is the failure for a queue file that cannot be read
// while sending (SMTP_ERR_DATA).
func localDataError(s *session) deliver.DSN {
	return deliver.Simple("4.3.0", fmt.Sprintf("local data error while talking to %s", s.namaddr))
}
