package bounce

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// The testdata/postfix-*.txt files are notices the real Postfix 3.7.11
// queued (postcat -bh), for messages sent with sendmail to an unknown
// local user and to a deferred transport, with
// notify_classes = bounce, 2bounce, delay, resource, software and
// delay_warning_time = 1s. The tests make the same notices from the same
// input and compare them byte for byte, except the three headers
// cleanup adds (Received:, Date:, Message-Id:) and the address cleanup
// qualifies in From:.

type draft struct {
	sender, rcpt, id string
	buf              bytes.Buffer
	committed        bool
}

func (d *draft) ID() string                  { return d.id }
func (d *draft) Write(p []byte) (int, error) { return d.buf.Write(p) }
func (d *draft) Commit() error               { d.committed = true; return nil }
func (d *draft) Abort()                      {}

type capture struct{ drafts []*draft }

func (c *capture) Open(sender, rcpt string) (Draft, error) {
	d := &draft{sender: sender, rcpt: rcpt, id: fmt.Sprintf("NEW%d", len(c.drafts))}
	c.drafts = append(c.drafts, d)
	return d, nil
}

type logs struct{ lines []string }

func (l *logs) Info(f string, a ...any) { l.lines = append(l.lines, fmt.Sprintf(f, a...)) }
func (l *logs) Warn(f string, a ...any) { l.lines = append(l.lines, "warning: "+fmt.Sprintf(f, a...)) }

var arrival = time.Date(2026, 11, 21, 20, 18, 0, 0, time.UTC)

func testSettings() Settings {
	return Settings{
		MyHostname: "mx.example.com", MailName: "Postfix",
		NotifyClasses:   map[string]bool{"bounce": true, "2bounce": true, "delay": true, "resource": true, "software": true},
		BounceRecipient: "pm@example.net", TwoBounceRecipient: "pm2@example.net", DelayRecipient: "pmd@example.net",
		DoubleBounceSender: "double-bounce", BounceSizeLimit: 50000, MaxQueueLifetime: 5 * 24 * time.Hour,
		DelayWarningTime: time.Second, StandardFrom: true, SMTPUTF8: true, Templates: DefaultTemplates(),
	}
}

// sample reads a real notice and returns it without cleanup's headers,
// with the original message's content taken from its last part.
func sample(t *testing.T, name string) (want, content string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	head, body, _ := strings.Cut(text, "\n\n")
	var keep []string
	skip := false
	for _, l := range strings.Split(head, "\n") {
		if strings.HasPrefix(l, "\t") && skip {
			continue
		}
		skip = strings.HasPrefix(l, "Received:") || strings.HasPrefix(l, "Date:") || strings.HasPrefix(l, "Message-Id:")
		if !skip {
			keep = append(keep, strings.Replace(l, "<MAILER-DAEMON@mx.example.com>", "<MAILER-DAEMON>", 1))
		}
	}
	want = strings.Join(keep, "\n") + "\n\n" + body
	boundary := regexp.MustCompile(`boundary="([^"]+)"`).FindStringSubmatch(text)[1]
	i := strings.LastIndex(text, "\nReturn-Path: <")
	i += strings.IndexByte(text[i+1:], '\n') + 2
	content = text[i:strings.LastIndex(text, "\n--"+boundary+"--")]
	if !strings.Contains(content, "\n\n") {
		content += "\nhello\n" // headers only: any body will do
	}
	return want, content
}

// original writes a queue file named id with the given sender and content.
func original(t *testing.T, id, sender, content string) *Original {
	t.Helper()
	l, err := queue.NewLayoutFrom(t.TempDir(), nil, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	l.Mkdirs()
	w, _ := l.Create()
	w.SetSender(sender)
	w.AddRecipient(queue.Recipient{Address: "x@example.net"})
	w.Write([]byte(content))
	if err := w.Commit(queue.Incoming); err != nil {
		t.Fatal(err)
	}
	path := l.Path(queue.Active, id)
	os.Rename(l.Path(queue.Incoming, w.ID()), path)
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(arrival.UnixMicro()))
	f.WriteAt(b[:], 16) // arrival time, docs/queue-format.md
	f.Close()
	env, err := queue.ReadEnvelope(path)
	if err != nil {
		t.Fatal(err)
	}
	return &Original{QueueName: queue.Active, Path: path, Envelope: env}
}

func notify(t *testing.T, kind Kind, orig *Original, recs ...queue.LogRecord) (*capture, *logs) {
	t.Helper()
	saved := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = saved })
	c, lg := &capture{}, &logs{}
	s := New(testSettings(), c, lg, func() time.Time { return arrival })
	if err := s.Notify(kind, orig, recs); err != nil {
		t.Fatal(err)
	}
	return c, lg
}

func diff(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			t.Errorf("%s: line %d:\n got %q\nwant %q", what, i+1, gl[i], wl[i])
			return
		}
	}
	t.Errorf("%s: %d lines, want %d:\n%s", what, len(gl), len(wl), got)
}

var unknownUser = queue.LogRecord{Recipient: "nouser@mx.example.com", DSNOrcpt: "rfc822;nouser@mx.example.com",
	Status: "5.1.1", Action: "failed", Reason: `unknown user: "nouser"`}

func TestFailureNoticeMatchesPostfix(t *testing.T) {
	want, content := sample(t, "postfix-839EB98800E.txt")
	wantPM, _ := sample(t, "postfix-847BB988010.txt")
	c, lg := notify(t, Failure, original(t, "7D7C398800B", "alice@example.org", content), unknownUser)
	if len(c.drafts) != 2 {
		t.Fatalf("%d notices, want sender notice and postmaster copy", len(c.drafts))
	}
	d := c.drafts[0]
	if d.sender != "" || d.rcpt != "alice@example.org" || !d.committed {
		t.Errorf("sender notice envelope: <%s> -> <%s>", d.sender, d.rcpt)
	}
	diff(t, "sender notice", d.buf.String(), want)
	pm := c.drafts[1]
	if pm.sender != "double-bounce@mx.example.com" || pm.rcpt != "pm@example.net" {
		t.Errorf("postmaster copy envelope: <%s> -> <%s>", pm.sender, pm.rcpt)
	}
	diff(t, "postmaster copy", pm.buf.String(), wantPM)
	wantLog := "7D7C398800B: sender non-delivery notification: NEW0\n7D7C398800B: postmaster non-delivery notification: NEW1"
	if strings.Join(lg.lines, "\n") != wantLog {
		t.Errorf("log:\n%s", strings.Join(lg.lines, "\n"))
	}
}

func TestDoubleBounceMatchesPostfix(t *testing.T) {
	want, content := sample(t, "postfix-8563A988012.txt")
	rec := unknownUser
	rec.Recipient, rec.DSNOrcpt, rec.Reason = "nouser2@mx.example.com", "rfc822;nouser2@mx.example.com", `unknown user: "nouser2"`
	c, lg := notify(t, Failure, original(t, "8042198800C", "", content), rec)
	if len(c.drafts) != 1 || c.drafts[0].rcpt != "pm2@example.net" || c.drafts[0].sender != "double-bounce@mx.example.com" {
		t.Fatalf("want one double bounce to pm2@example.net: %+v", c.drafts)
	}
	diff(t, "double bounce", c.drafts[0].buf.String(), want)
	if strings.Join(lg.lines, "\n") != "8042198800C: postmaster non-delivery notification: NEW0" {
		t.Errorf("log: %q", lg.lines)
	}
}

func TestDelayWarningMatchesPostfix(t *testing.T) {
	want, content := sample(t, "postfix-88D5F988009.txt")
	wantPM, _ := sample(t, "postfix-8A04098800B.txt")
	rec := queue.LogRecord{Recipient: "bob2@example.net", DSNOrcpt: "rfc822;bob2@example.net",
		Status: "4.3.2", Action: "delayed", Reason: "deferred transport"}
	c, lg := notify(t, Delay, original(t, "85968988014", "alice@example.org", content), rec)
	if len(c.drafts) != 2 {
		t.Fatalf("%d notices", len(c.drafts))
	}
	diff(t, "delay warning", c.drafts[0].buf.String(), want)
	diff(t, "postmaster delay copy", c.drafts[1].buf.String(), wantPM)
	wantLog := `warning: [built-in]: zero result in delay template conversion of parameter "delay_warning_time_hours"` + "\n" +
		`warning: please reduce time unit "hours" of "delay_warning_time_hours" in delay template` + "\n" +
		"warning: for instructions see the bounce(5) manual\n" +
		"85968988014: sender delay notification: NEW0\n85968988014: postmaster delay notification: NEW1"
	if got := strings.Join(lg.lines, "\n"); got != wantLog {
		t.Errorf("log:\n%s\nwant:\n%s", got, wantLog)
	}
}
