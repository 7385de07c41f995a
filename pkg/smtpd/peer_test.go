package smtpd

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/postern/postern/pkg/smtperr"
)

// fakeNames answers reverse lookups from ptr and forward ones from a.
type fakeNames struct {
	ptr map[string][]string
	a   map[string][]string
	err error // for every lookup when set
}

func (f fakeNames) LookupAddr(_ context.Context, addr string) ([]string, error) {
	if f.err != nil {
		return nil, f.err
	}
	if n, ok := f.ptr[addr]; ok {
		return n, nil
	}
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

func (f fakeNames) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, a := range f.a[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
	}
	return out, nil
}

func peerSession(t *testing.T, names NameResolver, settings map[string]string) *testServer {
	t.Helper()
	ts := startServer(t, settings, func(d *Deps) { d.Names = names })
	c := ts.dial(t)
	c.reply()
	c.expect("QUIT", "221 2.0.0 Bye")
	ts.waitLog(t, "info: disconnect")
	return ts
}

func TestPeerConfirmed(t *testing.T) {
	ts := peerSession(t, fakeNames{ptr: map[string][]string{"127.0.0.1": {"mail.client.example."}},
		a: map[string][]string{"mail.client.example": {"127.0.0.1"}}}, map[string]string{"smtpd_client_port_logging": "yes"})
	for _, l := range ts.log.all() {
		if l == "info: connect from mail.client.example[127.0.0.1]" {
			t.Errorf("port not logged")
		}
	}
	found := false
	for _, l := range ts.log.all() {
		if len(l) > 50 && l[:49] == "info: connect from mail.client.example[127.0.0.1]" && l[49] == ':' {
			found = true
		}
	}
	if !found {
		t.Errorf("no connect line with port: %q", ts.log.all())
	}
}

func TestPeerForged(t *testing.T) {
	ts := peerSession(t, fakeNames{ptr: map[string][]string{"127.0.0.1": {"liar.example."}},
		a: map[string][]string{"liar.example": {"192.0.2.1"}}}, nil)
	ts.log.has(t, "warning: hostname liar.example does not resolve to address 127.0.0.1")
	ts.log.has(t, "info: connect from unknown[127.0.0.1]")
	ts = peerSession(t, fakeNames{ptr: map[string][]string{"127.0.0.1": {"gone.example."}}}, nil)
	ts.log.has(t, "warning: hostname gone.example does not resolve to address 127.0.0.1: Name or service not known")
	ts = peerSession(t, fakeNames{ptr: map[string][]string{"127.0.0.1": {"10.1.2.3"}}}, nil)
	ts.log.has(t, "warning: numeric hostname: 10.1.2.3")
	ts = peerSession(t, fakeNames{err: &net.DNSError{Err: "timeout", IsTimeout: true}}, nil)
	ts.log.has(t, "info: connect from unknown[127.0.0.1]")
}

func TestPeernameLookupOff(t *testing.T) {
	ts := peerSession(t, fakeNames{err: errors.New("must not be asked")}, map[string]string{"smtpd_peername_lookup": "no"})
	ts.log.has(t, "info: connect from unknown[127.0.0.1]")
}

func TestQueueErrors(t *testing.T) {
	ts := startServer(t, nil)
	ts.q.set(errors.New("disk on fire"), nil)
	c := ts.dial(t)
	c.reply()
	c.expect("MAIL FROM:<a@b.example>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<user@example.com>", "451 4.3.0 Error: queue file write error")
	ts.q.set(nil, nil)
	c.expect("RCPT TO:<user@example.com>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	ts.q.set(nil, &smtperr.Error{Code: 550, Enhanced: "5.7.1", Text: "message content rejected"})
	c.expect("x\r\n.", "550 5.7.1 message content rejected")
	c.expect("MAIL FROM:<a@b.example>", "250 2.1.0 Ok")
	c.expect("RCPT TO:<user@example.com>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	ts.q.set(nil, errors.New("no smtp meaning"))
	c.expect("x\r\n.", "451 4.3.0 Error: queue file write error")
	c.expect("QUIT", "221 2.0.0 Bye")
}
