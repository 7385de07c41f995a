package smtpd

import (
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/verify"
)

// verifyServer is a real verify(8) service with an in-memory cache on a
// temporary socket; probes are recorded, not sent.
type verifyServer struct {
	path   string
	mu     sync.Mutex
	probes []string
	sleeps int
}

func startVerifyServer(t *testing.T) *verifyServer {
	t.Helper()
	vs := &verifyServer{path: filepath.Join(t.TempDir(), "verify")}
	svc := &verify.Service{Cache: verify.NewMemoryCache("test"), PosExpire: time.Hour, PosRefresh: time.Hour,
		NegExpire: time.Hour, NegRefresh: time.Hour, NegCache: true, Timeout: 5 * time.Second, Now: time.Now,
		Info: func(string, ...any) {}, Warn: func(string, ...any) {},
		Probe: func(addr string) error {
			vs.mu.Lock()
			vs.probes = append(vs.probes, addr)
			vs.mu.Unlock()
			return nil
		}}
	ln, err := net.Listen("unix", vs.path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { svc.Serve(c); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return vs
}

// client returns a verify client of the server whose polling delay is
// counted, not slept.
func (vs *verifyServer) client() *verify.Client {
	return &verify.Client{Path: vs.path, Timeout: 5 * time.Second, Sleep: func(time.Duration) {
		vs.mu.Lock()
		vs.sleeps++
		vs.mu.Unlock()
	}}
}

// set stores a status as a delivery agent's probe report would.
func (vs *verifyServer) set(t *testing.T, addr string, status int, reason string) {
	t.Helper()
	c := vs.client()
	defer c.Close()
	if err := c.Update(addr, status, reason); err != nil {
		t.Fatal(err)
	}
}

func verifySession(t *testing.T, vs *verifyServer, settings map[string]string) *checkSession {
	return newCheckSession(t, settings, func(d *Deps) {
		if vs != nil {
			d.Verify = vs.client()
		} else {
			d.Verify = &verify.Client{Path: filepath.Join(t.TempDir(), "nothing"), Timeout: time.Second,
				Sleep: func(time.Duration) {}}
		}
	})
}

func TestRejectUnverifiedRecipient(t *testing.T) {
	vs := startVerifyServer(t)
	vs.set(t, "ok@remote.test", verify.RcptOK, "delivered via smtp")
	vs.set(t, "bad@remote.test", verify.RcptBounce, "host mx.remote.test said: 550 5.1.1 no such user")
	vs.set(t, "tmp@remote.test", verify.RcptDefer, "connect to mx.remote.test: Connection refused")
	list := map[string]string{"relay_domains": "remote.test", "smtpd_recipient_restrictions": "reject_unverified_recipient, permit"}
	for _, c := range []struct {
		settings   map[string]string
		rcpt, want string
	}{
		{nil, "ok@remote.test", ""},
		{nil, "bad@remote.test", "450 4.1.1 <bad@remote.test>: Recipient address rejected: unverified address: " +
			"host mx.remote.test said: 550 5.1.1 no such user"},
		{nil, "tmp@remote.test", "450 4.1.1 <tmp@remote.test>: Recipient address rejected: unverified address: " +
			"connect to mx.remote.test: Connection refused"},
		{nil, "new@remote.test", "450 4.1.1 <new@remote.test>: Recipient address rejected: unverified address: " +
			"Address verification in progress"},
		{map[string]string{"unverified_recipient_reject_code": "550"}, "bad@remote.test",
			"550 5.1.1 <bad@remote.test>: Recipient address rejected: undeliverable address: " +
				"host mx.remote.test said: 550 5.1.1 no such user"},
		{map[string]string{"unverified_recipient_reject_code": "550", "unverified_recipient_reject_reason": "Go away"},
			"bad@remote.test", "550 5.1.1 <bad@remote.test>: Recipient address rejected: undeliverable address: Go away"},
		{map[string]string{"unverified_recipient_defer_code": "451", "unverified_recipient_reject_reason": "Later"},
			"tmp@remote.test", "451 4.1.1 <tmp@remote.test>: Recipient address rejected: unverified address: Later"},
		{map[string]string{"unverified_recipient_reject_code": "250"}, "bad@remote.test", ""},
		// The deferral waits for a permit (reject_tempfail_action =
		// defer_if_permit): a later reject wins.
		{map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient, reject"}, "tmp@remote.test",
			"554 5.7.1 <tmp@remote.test>: Recipient address rejected: Access denied"},
		{map[string]string{"smtpd_recipient_restrictions": "reject_unverified_recipient, reject",
			"unverified_recipient_tempfail_action": "defer"}, "tmp@remote.test",
			"450 4.1.1 <tmp@remote.test>: Recipient address rejected: unverified address: " +
				"connect to mx.remote.test: Connection refused"},
	} {
		settings := map[string]string{}
		for k, v := range list {
			settings[k] = v
		}
		for k, v := range c.settings {
			settings[k] = v
		}
		cs := verifySession(t, vs, settings)
		if got := cs.mail("c.test", "a@b.test").rcpt(c.rcpt); got != c.want {
			t.Errorf("%v %s:\n got  %q\n want %q", c.settings, c.rcpt, got, c.want)
		}
	}
	// The new address was probed and asked for 3 times in all
	// (address_verify_poll_count), 2 delays apart.
	if len(vs.probes) != 1 || vs.probes[0] != "new@remote.test" || vs.sleeps != 2 {
		t.Errorf("probes %q, %d delays", vs.probes, vs.sleeps)
	}
}

func TestRejectUnverifiedSender(t *testing.T) {
	vs := startVerifyServer(t)
	vs.set(t, "bad@remote.test", verify.RcptBounce, "undeliverable")
	cs := verifySession(t, vs, map[string]string{"smtpd_sender_restrictions": "reject_unverified_sender",
		"unverified_sender_reject_code": "550", "address_verify_poll_count": "1"})
	want := "550 5.1.7 <bad@remote.test>: Sender address rejected: undeliverable address: undeliverable"
	if got := cs.mail("c.test", "bad@remote.test").rcpt("user@example.com"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	cs.expectLog(t, "info: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: "+want+
		"; from=<bad@remote.test> to=<user@example.com> proto=ESMTP helo=<c.test>")
	// The null sender is not verified.
	if got := cs.mail("c.test", "").rcpt("user@example.com"); got != "" {
		t.Errorf("null sender: %q", got)
	}
	// One query, no delay, with address_verify_poll_count = 1.
	if got := cs.mail("c.test", "new@remote.test").rcpt("user@example.com"); got !=
		"450 4.1.7 <new@remote.test>: Sender address rejected: unverified address: Address verification in progress" {
		t.Errorf("new sender: %q", got)
	}
	if vs.sleeps != 0 {
		t.Errorf("%d delays", vs.sleeps)
	}
}

// Without a verify service: "verify service failure" and a deferral.
func TestRejectUnverifiedServiceFailure(t *testing.T) {
	cs := verifySession(t, nil, map[string]string{"relay_domains": "remote.test",
		"smtpd_recipient_restrictions": "reject_unverified_recipient, permit"})
	want := "450 4.1.1 <x@remote.test>: Recipient address rejected: address verification problem"
	if got := cs.mail("c.test", "a@b.test").rcpt("x@remote.test"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	cs.expectLog(t, "warning: verify service failure")
}

func TestRejectUnverifiedBadTempfailAction(t *testing.T) {
	_, err := New(testConfig(map[string]string{"unverified_recipient_tempfail_action": "bogus"}),
		Deps{Queue: &fakeQueue{}, Log: &testLog{}, Names: noNames{}})
	if err == nil || err.Error() != "bad configuration: unverified_recipient_tempfail_action = bogus" {
		t.Errorf("got %v", err)
	}
}
