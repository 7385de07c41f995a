package cleanup

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// harness is a Cleanup over a temporary queue with captured logs.
type harness struct {
	t     testing.TB
	c     *Cleanup
	l     *queue.Layout
	mu    sync.Mutex
	logs  []string
	wakes int
}

const baseMainCF = `
myhostname = mx.example.com
mydomain = example.com
myorigin = $mydomain
mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain
inet_interfaces = loopback-only
compatibility_level = 3.6
`

func newHarness(t testing.TB, extra string) *harness {
	t.Helper()
	dir := t.TempDir()
	l, err := queue.NewLayoutFrom(filepath.Join(dir, "spool"), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	mf, err := config.Parse(filepath.Join(dir, "main.cf"), []byte(baseMainCF+extra))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, l: l}
	c, err := New(config.New(dir, mf), Options{Layout: l, Logf: h.logf, Wake: func() { h.wakes++ }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h.c = c
	return h
}

func (h *harness) logf(level, format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	line := format
	if len(args) > 0 {
		line = sprintf(format, args...)
	}
	if level == "warning" {
		line = "warning: " + line
	}
	h.logs = append(h.logs, line)
}

// logged reports whether a log line matches the regular expression.
func (h *harness) logged(re string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.logs {
		if regexp.MustCompile(re).MatchString(l) {
			return true
		}
	}
	return false
}

var smtpMeta = Meta{
	ClientName: "client.example.net", ClientAddr: "192.0.2.10", ClientPort: "40000",
	Helo: "client.example.net", Protocol: "ESMTP", Origin: "smtpd", RewriteContext: "remote",
}

// send runs one message through cleanup.
func (h *harness) send(meta Meta, sender string, rcpts []string, content string) (string, error) {
	h.t.Helper()
	m, err := h.c.Begin(meta)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := m.SetSender(sender, "", ""); err != nil {
		h.t.Fatal(err)
	}
	for _, r := range rcpts {
		if err := m.AddRecipient(r, "", ""); err != nil {
			h.t.Fatal(err)
		}
	}
	if _, err := io.WriteString(m, content); err != nil {
		h.t.Fatal(err)
	}
	return m.Commit()
}

// read returns the envelope and content of a committed message.
func (h *harness) read(id string) (*queue.Envelope, string) {
	h.t.Helper()
	f, err := queue.Open(h.l.Path(queue.Incoming, id), false)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f.Content())
	return &f.Envelope, string(b)
}

func rcptAddrs(env *queue.Envelope) []string {
	var out []string
	for _, r := range env.Recipients {
		out = append(out, r.Address)
	}
	return out
}

func TestSMTPMessage(t *testing.T) {
	h := newHarness(t, "")
	id, err := h.send(smtpMeta, "alice@example.org", []string{"bob@example.com"},
		"Subject: hello\nFrom: alice@example.org\n\nbody\n")
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	date := mailDate(env.Arrival)
	want := "Received: from client.example.net (client.example.net [192.0.2.10])\n" +
		"\tby mx.example.com (Postfix) with ESMTP id " + id + "\n" +
		"\tfor <bob@example.com>; " + date + "\n" +
		"Subject: hello\nFrom: alice@example.org\n\nbody\n"
	if content != want {
		t.Errorf("content\n%s\nwant\n%s", content, want)
	}
	if env.Sender != "alice@example.org" || strings.Join(rcptAddrs(env), ",") != "bob@example.com" {
		t.Errorf("envelope %+v", env)
	}
	r := env.Recipients[0]
	if r.Orig != "bob@example.com" || r.ORCPT != "rfc822;bob@example.com" {
		t.Errorf("recipient %+v", r)
	}
	if env.Attr(queue.AttrClientAddr) != "192.0.2.10" || env.Attr(queue.AttrRewrite) != "remote" {
		t.Errorf("attrs %v", env.Attrs)
	}
	// Remote mail without Message-Id gets none (remote_header_rewrite_domain is empty).
	if !h.logged("^" + id + `: message-id=<>$`) {
		t.Errorf("logs %q", h.logs)
	}
	if h.wakes != 1 {
		t.Errorf("qmgr woken %d times", h.wakes)
	}
}

func TestReceivedVariants(t *testing.T) {
	h := newHarness(t, "smtpd_sasl_authenticated_header = yes\n")
	meta := smtpMeta
	meta.ClientName, meta.ClientAddr, meta.Helo = "unknown", "2001:db8::1", ""
	meta.TLS = "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n\t key-exchange X25519)\n\t(No client certificate requested)"
	meta.SASLMethod, meta.SASLUser = "PLAIN", "al(ice"
	id, err := h.send(meta, "a@example.org", []string{"x@example.com", "y@example.com"}, "\nbody\n")
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	want := "Received: from unknown (unknown [IPv6:2001:db8::1])\n" + meta.TLS + "\n" +
		"\t(Authenticated sender: al(ice))\n" +
		"\tby mx.example.com (Postfix) with ESMTPSA id " + id + ";\n\t" + mailDate(env.Arrival) + "\n\nbody\n"
	if content != want {
		t.Errorf("content\n%q\nwant\n%q", content, want)
	}
}

func TestLocalSubmissionAddsHeaders(t *testing.T) {
	h := newHarness(t, "")
	meta := Meta{Origin: "pickup", LocalUID: 1000, FullName: "Alice Q. User"}
	id, err := h.send(meta, "alice", []string{"bob"}, "Subject: hi\n\nbody")
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	if env.Sender != "alice@example.com" || env.Recipients[0].Address != "bob@example.com" || env.Recipients[0].Orig != "bob" {
		t.Errorf("envelope %+v", env)
	}
	date := regexp.QuoteMeta(mailDate(env.Arrival))
	mid := `\d{14}\.` + id + `@mx\.example\.com`
	want := `^Received: by mx\.example\.com \(Postfix, from userid 1000\)\n\tid ` + id + "; " + date + `\n` +
		`Subject: hi\n` +
		`Message-Id: <` + mid + `>\n` +
		`Date: ` + date + `\n` +
		`From: "Alice Q\. User" <alice@example\.com>\n\nbody\n$`
	if !regexp.MustCompile(want).MatchString(content) {
		t.Errorf("content\n%s\nwant\n%s", content, want)
	}
	if !h.logged("^" + id + ": message-id=<" + mid + ">$") {
		t.Errorf("logs %q", h.logs)
	}
}

func TestExistingHeadersKeptAndRewritten(t *testing.T) {
	h := newHarness(t, "sender_canonical_maps = inline:{ alice@example.com=Alice.Smith@example.com }\n")
	meta := Meta{Origin: "sendmail", LocalUID: 0}
	id, err := h.send(meta, "alice", []string{"bob"},
		"From: Alice <alice>, (comment) carol@elsewhere.org\nTo: bob, \"Dave X\" <dave>\nMessage-ID: <abc@host>\nDate: Thu, 1 Jan 2024 00:00:00 +0000\n\nhi\n")
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	if env.Sender != "Alice.Smith@example.com" {
		t.Errorf("sender %q", env.Sender)
	}
	for _, want := range []string{
		"From: Alice <Alice.Smith@example.com>, (comment) carol@elsewhere.org\n",
		"To: bob@example.com, \"Dave X\" <dave@example.com>\n",
		"Message-ID: <abc@host>\n",
	} {
		if !strings.Contains(content, want) {
			t.Errorf("missing %q in\n%s", want, content)
		}
	}
	if strings.Count(content, "Message-Id") != 0 || strings.Count(content, "Date:") != 1 {
		t.Errorf("headers added although present:\n%s", content)
	}
	if !h.logged("^" + id + ": message-id=<abc@host>$") {
		t.Errorf("logs %q", h.logs)
	}
}

func TestResentHeaders(t *testing.T) {
	h := newHarness(t, "")
	id, err := h.send(Meta{Origin: "pickup"}, "alice", []string{"bob"},
		"Resent-To: bob\nMessage-Id: <orig@x>\nDate: x\nFrom: y@z\n\n")
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	for _, want := range []string{"Resent-Message-Id: <", "Resent-Date: ", "Resent-From: alice@example.com\n"} {
		if !strings.Contains(content, want) {
			t.Errorf("missing %q in\n%s", want, content)
		}
	}
	if !h.logged(`: resent-message-id=<`) {
		t.Errorf("logs %q", h.logs)
	}
}

func TestHeaderSizeLimit(t *testing.T) {
	// Inputs and results as Postfix 3.7.11 gives them with header_size_limit = 200.
	h := newHarness(t, "header_size_limit = 200\n")
	long := "X-Long: start\n" + strings.Repeat("\tcontinued line of a long header\n", 50)
	body := "\n" + strings.Repeat("body text that is not limited\n", 100)
	id, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, long+"Subject: after\n"+body)
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	want := "X-Long: start\n" + strings.Repeat("\tcontinued line of a long header\n", 5) +
		"\tcontinued line of a \nSubject: after\n" + body
	if !strings.HasSuffix(content, want) {
		t.Errorf("content %q", content)
	}
	// One over-long header line.
	id, err = h.send(smtpMeta, "a@example.org", []string{"b@example.com"},
		"X-Huge: "+strings.Repeat("h", 5000)+"\nSubject: s\n\nok\n")
	if err != nil {
		t.Fatal(err)
	}
	_, content = h.read(id)
	if !strings.HasSuffix(content, "\nX-Huge: "+strings.Repeat("h", 192)+"\nSubject: s\n\nok\n") {
		t.Errorf("huge header: %q", content)
	}
	// A cut close to the limit falls on a line boundary.
	near := "X-Near: " + strings.Repeat("n", 180) + "\n\t" + strings.Repeat("m", 50) + "\n"
	id, _ = h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, near+"\n")
	_, content = h.read(id)
	if !strings.HasSuffix(content, "\nX-Near: "+strings.Repeat("n", 180)+"\n\n") {
		t.Errorf("nice cut: %q", content)
	}
}

func TestLongBodyLineStreams(t *testing.T) {
	h := newHarness(t, "header_size_limit = 100\n")
	line := strings.Repeat("b", 100000)
	m, _ := h.c.Begin(smtpMeta)
	m.SetSender("a@example.org", "", "")
	m.AddRecipient("b@example.com", "", "")
	// A first body line longer than header_size_limit, fed in pieces.
	for i := 0; i < len(line); i += 333 {
		m.Write([]byte(line[i:min(i+333, len(line))]))
	}
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	if !strings.HasSuffix(content, "\n"+line+"\n") {
		t.Errorf("body line cut: %d bytes", len(content))
	}
}

func TestChunkingDoesNotMatter(t *testing.T) {
	msg := "Subject: x\nTo: a,\n  b\nMessage-Id: <m@x>\nDate: today\n\nline1\nline2 no newline"
	var results []string
	for _, chunk := range []int{1, 3, 7, len(msg)} {
		h := newHarness(t, "")
		m, _ := h.c.Begin(Meta{Origin: "bounce"})
		m.SetSender("", "", "")
		m.AddRecipient("a@example.com", "", "")
		for i := 0; i < len(msg); i += chunk {
			m.Write([]byte(msg[i:min(i+chunk, len(msg))]))
		}
		id, err := m.Commit()
		if err != nil {
			t.Fatal(err)
		}
		_, content := h.read(id)
		_, content, _ = strings.Cut(content, "\nSubject:") // drop Received (ID, date)
		results = append(results, content)
	}
	for _, r := range results[1:] {
		if r != results[0] {
			t.Errorf("chunked result %q differs from %q", r, results[0])
		}
	}
	if !strings.HasSuffix(results[0], "line2 no newline\n") || !strings.Contains(results[0], "To: a@example.com,\n  b@example.com\n") {
		t.Errorf("result %q", results[0])
	}
}

func TestMessageSizeLimit(t *testing.T) {
	h := newHarness(t, "message_size_limit = 2000\n")
	_, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, "\n"+strings.Repeat("x", 3000)+"\n")
	e, ok := smtperr.As(err)
	if !ok || e.Reply() != "552 5.3.4 Error: message file too big" {
		t.Fatalf("err %v", err)
	}
	assertEmptyQueue(t, h)
	if _, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, "\nsmall\n"); err != nil {
		t.Errorf("small message: %v", err)
	}
}

func assertEmptyQueue(t *testing.T, h *harness) {
	t.Helper()
	for _, q := range []string{queue.Incoming, queue.Hold, queue.Trace} {
		ents, _ := os.ReadDir(h.l.QueueDir(q))
		if len(ents) != 0 {
			t.Errorf("%s not empty: %v", q, ents)
		}
	}
}

func TestHopcountLimit(t *testing.T) {
	h := newHarness(t, "hopcount_limit = 5\n")
	hdrs := strings.Repeat("Received: from x by y; date\n", 4)
	_, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, hdrs+"\nbody\n")
	if e, ok := smtperr.As(err); !ok || e.Reply() != "554 5.4.0 Error: too many hops" {
		t.Fatalf("err %v", err)
	}
	if !h.logged(`^warning: \w+: message rejected: hopcount exceeded$`) {
		t.Errorf("logs %q", h.logs)
	}
	if _, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, hdrs[:len(hdrs)/4*3]+"\n"); err != nil {
		t.Errorf("3 hops: %v", err)
	}
}

func TestHoldDiscardPrepend(t *testing.T) {
	h := newHarness(t, "")
	m, _ := h.c.Begin(smtpMeta)
	m.SetSender("a@example.org", "", "")
	m.AddRecipient("b@example.com", "", "")
	m.Prepend("X-Prepended: yes")
	m.Hold()
	io.WriteString(m, "\nbody\n")
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	f, err := queue.Open(h.l.Path(queue.Hold, id), false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f.Content())
	f.Close()
	if !strings.HasPrefix(string(b), "X-Prepended: yes\nReceived: from ") {
		t.Errorf("content %q", b)
	}
	m, _ = h.c.Begin(smtpMeta)
	m.SetSender("a@example.org", "", "")
	m.AddRecipient("b@example.com", "", "")
	m.Discard()
	if id, err := m.Commit(); err != nil || id == "" {
		t.Errorf("discard: %q %v", id, err)
	}
	if _, err := m.Write([]byte("x")); err == nil {
		t.Error("write after commit accepted")
	}
	ents, _ := os.ReadDir(h.l.QueueDir(queue.Incoming))
	if len(ents) != 0 {
		t.Errorf("discarded message queued: %v", ents)
	}
}

func TestNoRecipientsAndAbort(t *testing.T) {
	h := newHarness(t, "")
	_, err := h.send(smtpMeta, "a@example.org", nil, "\nx\n")
	if e, ok := smtperr.As(err); !ok || e.Code != 550 {
		t.Errorf("no recipients: %v", err)
	}
	m, _ := h.c.Begin(smtpMeta)
	m.SetSender("a@example.org", "", "")
	m.Abort()
	m.Abort()
	if _, err := m.Commit(); err == nil {
		t.Error("commit after abort")
	}
	assertEmptyQueue(t, h)
}

func TestSenderSpecialCases(t *testing.T) {
	h := newHarness(t, "")
	id, err := h.send(smtpMeta, "MAILER-DAEMON@example.com", []string{""}, "\n")
	if err != nil {
		t.Fatal(err)
	}
	env, _ := h.read(id)
	if env.Sender != "" || env.Recipients[0].Address != "MAILER-DAEMON@example.com" {
		t.Errorf("envelope %+v", env)
	}
	h = newHarness(t, "append_dot_mydomain = yes\n")
	id, _ = h.send(smtpMeta, "u@host", []string{"host!user", "user%other", "@a,@b:c@d.", "v@[192.0.2.1]"}, "\n")
	env, _ = h.read(id)
	if got := strings.Join(rcptAddrs(env), " "); got != "user@host.example.com user@other.example.com c@d v@[192.0.2.1]" || env.Sender != "u@host.example.com" {
		t.Errorf("rewritten %q, sender %q", got, env.Sender)
	}
}

func TestWriteErrorIsTemporary(t *testing.T) {
	h := newHarness(t, "")
	m, _ := h.c.Begin(smtpMeta)
	m.SetSender("a@example.org", "", "")
	m.AddRecipient("b@example.com", "", "")
	os.RemoveAll(h.l.QueueDir(queue.Incoming)) // commit cannot rename
	_, err := m.Commit()
	if e, ok := smtperr.As(err); !ok || e.Reply() != "451 4.3.0 Error: queue file write error" || !e.Temporary() {
		t.Errorf("err %v", err)
	}
	if _, err := h.c.Begin(smtpMeta); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Begin without incoming: %v", err)
	}
}

func TestMailDate(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	old := time.Local
	time.Local = loc
	defer func() { time.Local = old }()
	got := mailDate(time.Date(2024, 11, 1, 18, 4, 5, 0, time.UTC))
	if got != "Fri,  1 Nov 2024 19:04:05 +0100 (CET)" {
		t.Errorf("mailDate %q", got)
	}
}
