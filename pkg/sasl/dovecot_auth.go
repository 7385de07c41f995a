package sasl

import (
	"fmt"
	"strings"
)

// Status is the outcome of an authentication step (XSASL_AUTH_*).
type Status int

const (
	Done Status = iota // authenticated
	More               // send the challenge, read a response
	Fail               // authentication failed: 535
	Temp               // temporary failure: 454
)

// Result is one step: the challenge (More), the reason (Fail, Temp;
// "" when there is none) and the user name the server's OK or FAIL
// reply named (Replied is set for those replies only: Postfix keeps the
// user name of the last such reply for its logs).
type Result struct {
	Status  Status
	Text    string
	User    string
	Replied bool
}

// Request starts an exchange (xsasl_dovecot_server_first()).
type Request struct {
	Mech       string
	Initial    string // initial response, base64, as sent by the client
	HasInitial bool
	Offered    []string // the mechanisms offered in this session
	Service    string   // smtpd_sasl_service
	LocalIP    string
	RemoteIP   string
	Secured    bool // TLS is on
}

// Exchange is one AUTH conversation with the server.
type Exchange struct {
	d  *Dovecot
	c  *dcConn
	id uint32
	ch chan []string
}

// Start sends the AUTH request and returns the first result. The
// Exchange is nil unless the result is More.
func (d *Dovecot) Start(r Request) (*Exchange, Result) {
	if !offered(r.Offered, r.Mech) {
		return nil, Result{Status: Fail, Text: "Invalid authentication mechanism"}
	}
	if r.HasInitial && !validBase64(r.Initial) {
		return nil, Result{Status: Fail, Text: "Invalid base64 data in initial response"}
	}
	line := fmt.Sprintf("\t%s\tservice=%s\tnologin\tlip=%s\trip=%s", r.Mech, r.Service, r.LocalIP, r.RemoteIP)
	if r.Secured {
		line += "\tsecured"
	}
	if r.HasInitial {
		line += "\tresp=" + r.Initial
	}
	for i := 0; i < 2; i++ {
		x, ok := d.send(line)
		if ok {
			return x.result()
		}
		if x == nil {
			// No connection: Postfix's reply stays empty, its smtpd
			// says "(reason unavailable)".
			return nil, Result{Status: Temp}
		}
	}
	return nil, Result{Status: Temp, Text: "Can't connect to authentication server"}
}

// send writes an AUTH request on the current connection; (x, false)
// with x != nil means the write failed and a retry may work.
func (d *Dovecot) send(tail string) (*Exchange, bool) {
	d.mu.Lock()
	c, err := d.connectLocked()
	if err != nil {
		d.mu.Unlock()
		return nil, false
	}
	d.nextID++
	x := &Exchange{d: d, c: c, id: d.nextID}
	d.mu.Unlock()
	var ok bool
	if x.ch, ok = c.register(x.id); !ok {
		return x, false
	}
	if err := c.send(fmt.Sprintf("AUTH\t%d%s\n", x.id, tail)); err != nil {
		c.unregister(x.id)
		c.close()
		return x, false
	}
	return x, true
}

// Next sends the client's response to a challenge.
func (x *Exchange) Next(resp string) (*Exchange, Result) {
	if !validBase64(resp) {
		x.Abort()
		return nil, Result{Status: Fail, Text: "Invalid base64 data in continued response"}
	}
	if err := x.c.send(fmt.Sprintf("CONT\t%d\t%s\n", x.id, resp)); err != nil {
		x.c.unregister(x.id)
		return nil, Result{Status: Temp, Text: "Connection lost to authentication server"}
	}
	return x.result()
}

// Abort ends an exchange the client gave up ("*"): the server is told
// to forget it.
func (x *Exchange) Abort() {
	x.c.unregister(x.id)
	x.c.send(fmt.Sprintf("CANCEL\t%d\n", x.id))
}

// result waits for the server's answer (xsasl_dovecot_handle_reply()).
func (x *Exchange) result() (*Exchange, Result) {
	f := x.c.wait(x.ch)
	if f == nil {
		x.c.unregister(x.id)
		return nil, Result{Status: Temp, Text: "Connection lost to authentication server"}
	}
	args := f[2:]
	switch f[0] {
	case "CONT":
		if len(f) < 3 {
			x.d.Warn("missing Dovecot server CONT reply field")
			x.Abort()
			return nil, Result{Status: Fail, Text: "Authentication backend error"}
		}
		return x, Result{Status: More, Text: strings.Join(args, "\t")}
	case "OK":
		x.c.unregister(x.id)
		user, _ := replyArgs(args)
		if user == "" {
			x.d.Warn("missing Dovecot server OK username field")
			return nil, Result{Status: Fail, Text: "Authentication backend error", Replied: true}
		}
		return nil, Result{Status: Done, User: user, Replied: true}
	}
	x.c.unregister(x.id)
	user, reason := replyArgs(args)
	return nil, Result{Status: Fail, Text: reason, User: user, Replied: true}
}

// replyArgs picks user= and reason= (xsasl_dovecot_parse_reply_args()).
func replyArgs(args []string) (user, reason string) {
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "user="):
			user = printable(a[5:])
		case strings.HasPrefix(a, "reason="):
			reason = printable(a[7:])
		}
	}
	return user, reason
}

func offered(list []string, mech string) bool {
	for _, m := range list {
		if strings.EqualFold(m, mech) {
			return true
		}
	}
	return false
}

// validBase64 is is_valid_base64(): only the alphabet and '='.
func validBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// printable replaces non-printable bytes with '?' (printable()).
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}
