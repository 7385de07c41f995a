package queue

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets for the per-message delivery logs (defer/, bounce/,
// trace/), the DSN records that bounce(8) turns into RFC 3464 reports:
// FuzzReadLog reads arbitrary bytes as a log (a file cut short by a
// crash, or damaged); FuzzLogRoundTrip writes a record with arbitrary
// texts (a remote server's reply is one of them) and reads it back.
// Seeds in testdata/fuzz/FuzzReadLog and FuzzLogRoundTrip.

func fuzzLayout(t *testing.T) *Layout {
	l, err := NewLayoutFrom(t.TempDir(), []string{"deferred", "defer"}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func FuzzReadLog(f *testing.F) {
	for _, s := range []string{
		"\nrecipient=u@example.com\noffset=123\nnotify_flags=6\nstatus=4.4.1\naction=delayed\nreason=connect to x: Connection refused\n\n",
		"\nrecipient=<>\ndiag_type=smtp\ndiag_text=550 5.1.1 unknown\nmta_type=dns\nmta_mname=mx.example\n\n\nrecipient=cut short",
		"recipient\n=\n\n\n\noffset=-1\noffset=99999999999999999999\nnotify_flags=x\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := fuzzLayout(t)
		path := l.Path(Defer, "A1B2C3")
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		recs, err := l.ReadLog(Defer, "A1B2C3")
		if err != nil {
			if len(data) < 1<<20 {
				t.Fatalf("error on %d bytes: %v", len(data), err)
			}
			return
		}
		if len(recs) > strings.Count(string(data), "\n") {
			t.Fatalf("%d records from %d lines", len(recs), strings.Count(string(data), "\n"))
		}
	})
}

func FuzzLogRoundTrip(f *testing.F) {
	f.Add("u@example.com", "U@example.com", "rfc822;u@example.com", "5.1.1", "550 5.1.1 <u>: unknown\r\nX-Injected: yes", "host said: 550", int64(77), 6)
	f.Add("", "", "", "4.4.1", "", "connect to mx[192.0.2.1]:25: Connection refused", int64(0), 0)
	f.Add("a=b@c", "\n", "utf-8;\xff", "", "=", "\r\r\n\n", int64(-5), -1)
	f.Fuzz(func(t *testing.T, rcpt, orig, orcpt, status, diag, reason string, off int64, notify int) {
		in := LogRecord{Recipient: rcpt, OrigRcpt: orig, Offset: off, DSNOrcpt: orcpt, Notify: notify,
			Status: status, Action: "failed", DiagType: "smtp", DiagText: diag, MTAType: "dns",
			MTAName: "mx.example", Reason: reason}
		l := fuzzLayout(t)
		if err := l.AppendLog(Bounce, "A1B2C3", in, in); err != nil {
			t.Fatal(err)
		}
		recs, err := l.ReadLog(Bounce, "A1B2C3")
		if err != nil || len(recs) != 2 {
			t.Fatalf("wrote 2 records, read %d: %v", len(recs), err)
		}
		want := expectedLog(in)
		for _, got := range recs {
			if got != want {
				t.Fatalf("round trip:\n wrote %+v\n want  %+v\n read  %+v", in, want, got)
			}
		}
	})
}

// expectedLog is what reading back a record gives: CR and LF become
// spaces, "<>" is the null address, omitted fields come back empty.
func expectedLog(r LogRecord) LogRecord {
	one := strings.NewReplacer("\r", " ", "\n", " ").Replace
	w := LogRecord{Recipient: one(r.Recipient), DSNOrcpt: one(r.DSNOrcpt), Status: one(r.Status),
		Action: one(r.Action), Reason: one(r.Reason)}
	if w.Recipient == "<>" {
		w.Recipient = ""
	}
	if !strings.EqualFold(r.OrigRcpt, r.Recipient) {
		w.OrigRcpt = one(r.OrigRcpt)
	}
	if r.Offset > 0 {
		w.Offset = r.Offset
	}
	w.Notify = r.Notify
	if r.DiagType != "" && r.DiagText != "" {
		w.DiagType, w.DiagText = one(r.DiagType), one(r.DiagText)
	}
	if r.MTAType != "" && r.MTAName != "" {
		w.MTAType, w.MTAName = one(r.MTAType), one(r.MTAName)
	}
	return w
}
