package bounce

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
)

// TestNoticeThroughCleanupMatchesPostfix: the whole notice as queued
// through cleanup, the headers cleanup and post_mail() add included
// (Received:, then Date: second as post_mail writes it, Message-Id: at
// the end of the header), equals the real Postfix's but for the queue ID
// and the Message-Id time.
func TestNoticeThroughCleanupMatchesPostfix(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = saved })
	raw, err := os.ReadFile(filepath.Join("testdata", "postfix-839EB98800E.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, content := sample(t, "postfix-839EB98800E.txt")
	dir := t.TempDir()
	l, err := queue.NewLayoutFrom(dir, nil, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	l.Mkdirs()
	cfg := config.New(dir, nil)
	for k, v := range map[string]string{"queue_directory": dir, "myhostname": "mx.example.com",
		"mydomain": "example.com", "compatibility_level": "3.6"} {
		cfg.Set(k, v)
	}
	c, err := cleanup.New(cfg, cleanup.Options{Layout: l, Now: func() time.Time { return arrival },
		Wake: func() {}, Logf: func(string, string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := New(testSettings(), &CleanupPoster{C: c}, &logs{}, func() time.Time { return arrival })
	if err := s.Notify(Failure, original(t, "7D7C398800B", "alice@example.org", content), []queue.LogRecord{unknownUser}); err != nil {
		t.Fatal(err)
	}
	var got string
	l.Scan(queue.Incoming, func(e queue.Entry) error {
		f, err := queue.Open(e.Path, false)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Recipients[0].Address == "alice@example.org" {
			data, _ := io.ReadAll(f.Content())
			got = strings.ReplaceAll(string(data), e.ID, "839EB98800E")
		}
		return nil
	})
	mid := regexp.MustCompile(`(?m)^Message-Id: <\d{14}\.`)
	got = mid.ReplaceAllString(got, "Message-Id: <20261121201800.")
	diff(t, "notice through cleanup", got, string(raw))
}
