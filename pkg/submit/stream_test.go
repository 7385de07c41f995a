package submit

import (
	"bytes"
	"reflect"
	"testing"
)

func TestSenderAllowed(t *testing.T) {
	cfg := testConfig(t, "recipient_delimiter = +")
	for _, tc := range []struct {
		patterns, sender string
		ok               bool
	}{
		{"alice@example.com", "alice@example.com", true},
		{"alice@example.com", "ALICE+ext@example.com", true},
		{"alice@example.com", "bob@example.com", false},
		{"@example.com", "anyone@example.com", true},
		{"@example.com", "anyone@example.net", false},
		{"*", "x@y", true},
		{"<>", "", true},
		{"alice@example.com, <>", "", true},
		{"alice@example.com", "", false},
	} {
		if got := senderAllowed(cfg, tc.patterns, tc.sender); got != tc.ok {
			t.Errorf("senderAllowed(%q, %q) = %v", tc.patterns, tc.sender, got)
		}
	}
}

func TestStreamRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	sw := NewStreamWriter(&buf)
	sw.String(RecAttr, "rewrite_context=local")
	sw.String(RecSender, "alice")
	sw.Recipient("bob@example.com", "rfc822;bob@example.com", 4)
	sw.Record(RecContent, nil)
	big := bytes.Repeat([]byte("x"), MaxRecord+10)
	sw.Write(big)
	sw.Record(RecExtract, nil)
	sw.Record(RecEnd, nil)
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	sr := NewStreamReader(&buf)
	var types []byte
	var content []byte
	for {
		typ, p, err := sr.Next()
		if err != nil {
			break
		}
		types = append(types, typ)
		if typ == RecData {
			content = append(content, p...)
		}
		if typ == RecRcpt {
			addr, orcpt, notify, err := ParseRcpt(p)
			if err != nil || addr != "bob@example.com" || orcpt != "rfc822;bob@example.com" || notify != 4 {
				t.Errorf("recipient %q %q %d %v", addr, orcpt, notify, err)
			}
		}
	}
	if string(types) != "ASRMCCXE" || !reflect.DeepEqual(content, big) {
		t.Errorf("types %q, content %d bytes", types, len(content))
	}
}

// FuzzStream checks that the postdrop input reader never panics and
// never reads a record longer than MaxRecord.
func FuzzStream(f *testing.F) {
	var buf bytes.Buffer
	sw := NewStreamWriter(&buf)
	sw.String(RecSender, "a")
	sw.Recipient("b", "", 0)
	sw.Record(RecEnd, nil)
	sw.Flush()
	f.Add(buf.Bytes())
	f.Add([]byte{'R', 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		sr := NewStreamReader(bytes.NewReader(data))
		for {
			typ, p, err := sr.Next()
			if err != nil {
				return
			}
			if len(p) > MaxRecord {
				t.Fatalf("record of %d bytes", len(p))
			}
			if typ == RecRcpt {
				ParseRcpt(p)
			}
		}
	})
}
