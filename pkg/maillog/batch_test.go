package maillog

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestAppendRecords: postlogd's burst of records lands in the file whole
// and in order, each with its newline.
func TestAppendRecords(t *testing.T) {
	q := t.TempDir()
	logfile := filepath.Join(q, "maillog")
	cfg := testConfig(t, fmt.Sprintf("queue_directory = %s\nmaillog_file = %s\nmaillog_file_prefixes = %s\n", q, logfile, q))
	l, err := New(cfg, "postlogd")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.UseFileOnly()
	if err := l.AppendRecords([][]byte{[]byte("one"), []byte("two")}); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendRecord([]byte("three")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(logfile)
	if string(data) != "one\ntwo\nthree\n" {
		t.Errorf("file %q", data)
	}
}

// TestStampChangesWithTheSecond: the cached time stamp follows the clock.
func TestStampChangesWithTheSecond(t *testing.T) {
	q := t.TempDir()
	cfg := testConfig(t, fmt.Sprintf("queue_directory = %s\nmaillog_file = %s/maillog\nmaillog_file_prefixes = %s\nmyhostname = mx.example.com\n", q, q, q))
	l, err := New(cfg, "smtpd")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	at := time.Date(2024, 11, 1, 8, 4, 5, 0, time.Local)
	l.now = func() time.Time { return at }
	a := l.FileLine("x")
	at = at.Add(time.Second)
	b := l.FileLine("x")
	pid := os.Getpid()
	if a != fmt.Sprintf("Nov 01 08:04:05 mx postfix/smtpd[%d]: x", pid) || b != fmt.Sprintf("Nov 01 08:04:06 mx postfix/smtpd[%d]: x", pid) {
		t.Errorf("got %q, %q", a, b)
	}
}

// BenchmarkLogRecord: one info record to the postlog socket, as a daemon
// logs each line of a message's life.
func BenchmarkLogRecord(b *testing.B) {
	q := b.TempDir()
	cfg := testConfig(b, fmt.Sprintf("queue_directory = %s\nmaillog_file = %s/maillog\nmaillog_file_prefixes = %s\n", q, q, q))
	os.Mkdir(filepath.Join(q, "public"), 0755)
	srv := listenDgram(b, filepath.Join(q, "public", "postlog"))
	defer srv.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := srv.Read(buf); err != nil {
				return
			}
		}
	}()
	l, err := New(cfg, "smtp")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.SetEcho(false)
	b.ReportAllocs()
	for b.Loop() {
		l.Info("3F2A81C2E5: to=<user@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=0.12, delays=0.01/0/0.05/0.06, dsn=2.0.0, status=sent (250 2.0.0 Ok)")
	}
}
