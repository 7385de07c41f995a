package sasl

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/postern/postern/pkg/sasl/dovecottest"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) warn(f string, a ...any) {
	w.mu.Lock()
	w.lines = append(w.lines, fmt.Sprintf(f, a...))
	w.mu.Unlock()
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

func plainReq(user, pass string) Request {
	return Request{Mech: "PLAIN", Initial: b64("\x00" + user + "\x00" + pass), HasInitial: true,
		Offered: []string{"PLAIN", "LOGIN"}, Service: "smtp", LocalIP: "127.0.0.1", RemoteIP: "127.0.0.1"}
}

// TestRealDovecot authenticates against a private Dovecot over its
// UNIX socket and its TCP listener.
func TestRealDovecot(t *testing.T) {
	dc := dovecottest.Start(t, map[string]string{"alice": "wonderland"})
	for _, path := range []string{dc.Socket, "unix:" + dc.Socket, "inet:127.0.0.1:" + strconv.Itoa(dc.Port)} {
		w := &warnings{}
		d := NewDovecot(path, "", 4242)
		d.Warn = w.warn
		mechs, err := d.Mechanisms()
		if err != nil || fmt.Sprint(mechs) != fmt.Sprint([]Mech{{"PLAIN", NoPlaintext}, {"LOGIN", NoPlaintext}}) {
			t.Fatalf("%s: %v %v %s", path, mechs, err, w)
		}
		if got := FilterServer(mechs, NoAnonymous|NoPlaintext); len(got) != 0 {
			t.Errorf("noplaintext kept %v", got)
		}
		if _, r := d.Start(plainReq("alice", "wonderland")); r.Status != Done || r.User != "alice" {
			t.Errorf("%s: PLAIN: %+v", path, r)
		}
		if _, r := d.Start(plainReq("alice", "looking-glass")); r.Status != Fail || r.Text != "" {
			t.Errorf("%s: bad password: %+v", path, r)
		}
		x, r := d.Start(Request{Mech: "login", Offered: []string{"PLAIN", "LOGIN"}, Service: "smtp",
			LocalIP: "127.0.0.1", RemoteIP: "127.0.0.1", Secured: true})
		if r.Status != More || r.Text != b64("Username:") {
			t.Fatalf("LOGIN: %+v", r)
		}
		if x, r = x.Next(b64("alice")); r.Status != More || r.Text != b64("Password:") {
			t.Fatalf("LOGIN user: %+v", r)
		}
		if _, r = x.Next(b64("wonderland")); r.Status != Done || r.User != "alice" {
			t.Errorf("LOGIN password: %+v", r)
		}
		if _, r := d.Start(Request{Mech: "CRAM-MD5", Offered: []string{"PLAIN"}}); r.Status != Fail || r.Text != "Invalid authentication mechanism" {
			t.Errorf("unoffered: %+v", r)
		}
		if _, r := d.Start(Request{Mech: "PLAIN", Offered: []string{"PLAIN"}, Initial: "!!", HasInitial: true}); r.Text != "Invalid base64 data in initial response" {
			t.Errorf("bad base64: %+v", r)
		}
	}
	// Concurrent exchanges share one connection.
	d := NewDovecot(dc.Socket, "", 4343)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, r := d.Start(plainReq("alice", "wonderland")); r.Status != Done {
				t.Errorf("concurrent: %+v", r)
			}
		}()
	}
	wg.Wait()
	// Stopped: the next exchange is a temporary failure, with Postfix's
	// warning; the mechanism list stays known.
	dc.Stop()
	w := &warnings{}
	d.Warn = w.warn
	if _, r := d.Start(plainReq("alice", "wonderland")); r.Status != Temp {
		t.Errorf("stopped: %+v", r)
	}
	if !strings.Contains(w.String(), "SASL: Connect to Dovecot auth socket '"+dc.Socket+"' failed: ") {
		t.Errorf("warnings: %s", w)
	}
	if m, err := d.Mechanisms(); err != nil || len(m) != 2 {
		t.Errorf("mechanisms after stop: %v %v", m, err)
	}
	if _, err := NewDovecot("private/none", t.TempDir(), 1).Mechanisms(); err == nil {
		t.Error("no socket, no error")
	}
}

// fakeServer answers the handshake with lines, then with script:
// request line → reply lines (with %d for the request ID).
func fakeServer(t *testing.T, handshake string, script func(line string) string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte(handshake))
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(line, "AUTH") || strings.HasPrefix(line, "CONT") {
						id := strings.Split(line, "\t")[1]
						c.Write([]byte(strings.ReplaceAll(script(line), "ID", id)))
					}
				}
			}()
		}
	}()
	return path
}

func TestDovecotProtocol(t *testing.T) {
	good := "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tSECRET\tprivate\nMECH\tANONYMOUS\tanonymous\nSPID\t1\nCUID\t1\nCOOKIE\tabc\nDONE\n"
	for _, c := range []struct {
		handshake, reply string
		status           Status
		text, user, warn string
	}{
		{good, "OK\tID\tuser=bob\x01x\n", Done, "", "bob?x", ""},
		{good, "OK\tID\n", Fail, "Authentication backend error", "", "missing Dovecot server OK username field"},
		{good, "FAIL\tID\tuser=bob\treason=Password expired\ttemp\n", Fail, "Password expired", "bob", ""},
		{good, "CONT\tID\n", Fail, "Authentication backend error", "", "missing Dovecot server CONT reply field"},
		{good, "OK\t999\tuser=x\nFAIL\tID\n", Fail, "", "", ""}, // other IDs are skipped
		{good, "", Temp, "Connection lost to authentication server", "", ""},
		{"VERSION\t2\t0\nDONE\n", "", Temp, "", "", "SASL: Protocol version mismatch (2 vs. 1)"},
		{"VERSION\t1\t0\nSPID\t1\nDONE\n", "", Temp, "", "",
			"SASL: Connected to wrong auth socket (auth-master instead of auth-client)"},
	} {
		var sent string
		var mu sync.Mutex
		path := fakeServer(t, c.handshake, func(line string) string {
			mu.Lock()
			sent = line
			mu.Unlock()
			if c.reply == "" {
				return "" // and the connection stays silent, then...
			}
			return c.reply
		})
		w := &warnings{}
		d := NewDovecot(path, "", 7)
		d.Warn = w.warn
		if c.reply == "" && c.status == Temp && c.warn == "" {
			d.Timeout = 200e6 // no answer: the read times out
		}
		req := plainReq("bob", "x")
		req.Secured = true
		_, r := d.Start(req)
		if r.Status != c.status || r.Text != c.text || r.User != c.user || !strings.Contains(w.String(), c.warn) {
			t.Errorf("%q: %+v warnings %q", c.reply, r, w)
		}
		mu.Lock()
		if c.warn == "" && sent != "AUTH\t1\tPLAIN\tservice=smtp\tnologin\tlip=127.0.0.1\trip=127.0.0.1\tsecured\tresp="+b64("\x00bob\x00x")+"\n" {
			t.Errorf("request: %q", sent)
		}
		mu.Unlock()
	}
	d := NewDovecot(fakeServer(t, good, nil), "", 7)
	m, _ := d.Mechanisms()
	if got := FilterServer(m, NoAnonymous); fmt.Sprint(got) != "[PLAIN]" {
		t.Errorf("private or anonymous offered: %v", got)
	}
}

func TestOptionsAndFilter(t *testing.T) {
	p, err := ParseOptions("smtpd_sasl_security_options", "noanonymous, NoPlainText mutual_auth")
	if err != nil || p != NoAnonymous|NoPlaintext|MutualAuth {
		t.Errorf("%v %v", p, err)
	}
	if _, err := ParseOptions("smtpd_sasl_security_options", "noanonymous, bogus"); err == nil ||
		err.Error() != `unknown smtpd_sasl_security_options value "bogus" in "noanonymous, bogus"` {
		t.Errorf("%v", err)
	}
	mechs := []Mech{{"PLAIN", NoPlaintext}, {"CRAM-MD5", NoDictionary}, {"SCRAM", MutualAuth}}
	for opts, want := range map[Props]string{0: "[PLAIN CRAM-MD5 SCRAM]", NoPlaintext: "[CRAM-MD5 SCRAM]",
		MutualAuth: "[SCRAM]", NoDictionary | NoPlaintext: "[SCRAM]"} {
		if got := fmt.Sprint(FilterServer(mechs, opts)); got != want {
			t.Errorf("%v: %s", opts, got)
		}
	}
}

func TestClientMechs(t *testing.T) {
	if _, err := ChooseClient([]string{"PLAIN", "LOGIN"}, NoPlaintext|NoAnonymous, "u", "p"); err != ErrNoMech {
		t.Errorf("noplaintext: %v", err)
	}
	if _, err := ChooseClient([]string{"CRAM-MD5"}, NoAnonymous, "u", "p"); err != ErrNoMech {
		t.Errorf("unknown mechanism: %v", err)
	}
	m, err := ChooseClient([]string{"cram-md5", "login", "plain"}, NoAnonymous, "u", "p")
	if err != nil || m.Name != "LOGIN" || m.Initial() != "" {
		t.Fatalf("%+v %v", m, err)
	}
	if r, _ := m.Next(b64("Username:")); r != b64("u") {
		t.Error(r)
	}
	if r, _ := m.Next(b64("Password:")); r != b64("p") {
		t.Error(r)
	}
	m, _ = ChooseClient([]string{"PLAIN"}, 0, "u", "p")
	if m.Initial() != b64("\x00u\x00p") {
		t.Error("PLAIN initial response")
	}
}
