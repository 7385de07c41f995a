package attr

import (
	"bytes"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sample() List {
	var l List
	l.Str("request", "resolve")
	l.Str("sender", "")
	l.Int("flags", 42)
	l = append(l, Attr{Name: Open})
	l.Str("k", "v=1 :x")
	l = append(l, Attr{Name: Close})
	l.Bytes("data", []byte("\x00\x01bin"))
	return l
}

// Byte-exact forms as attr_print0, attr_print64 and attr_print_plain
// produce them.
func TestEncodingBytes(t *testing.T) {
	var l List
	l.Str("protocol", "anvil_protocol")
	l.Int("status", 0)
	cases := map[Encoding]string{
		Null:   "protocol\x00anvil_protocol\x00status\x000\x00\x00",
		Base64: "cHJvdG9jb2w=:YW52aWxfcHJvdG9jb2w=\nc3RhdHVz:MA==\n\n",
		Plain:  "protocol=anvil_protocol\nstatus=0\n\n",
	}
	for enc, want := range cases {
		var b bytes.Buffer
		if err := NewWriter(&b, enc).Write(l); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s: got %q want %q", enc, b.String(), want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, enc := range []Encoding{Null, Base64, Plain} {
		var b bytes.Buffer
		w := NewWriter(&b, enc)
		in := sample()
		if err := w.Write(in); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(List{{Name: "second", Value: "list"}}); err != nil {
			t.Fatal(err)
		}
		r := NewReader(&b, enc)
		got, err := r.Read()
		if err != nil {
			t.Fatalf("%s: %v", enc, err)
		}
		data, _ := got.Get("data")
		raw, err := DecodeData(data, enc)
		if err != nil || string(raw) != "\x00\x01bin" {
			t.Errorf("%s: data %q %v", enc, raw, err)
		}
		for i := range in {
			in[i].Data = false
			if in[i].Name == "data" {
				in[i].Value = data
			}
		}
		if !reflect.DeepEqual(got, in) {
			t.Errorf("%s: got %v want %v", enc, got, in)
		}
		if n, err := got.Number("flags"); err != nil || n != 42 {
			t.Errorf("%s: flags %d %v", enc, n, err)
		}
		second, err := r.Read()
		if err != nil || len(second) != 1 || second[0].Value != "list" {
			t.Errorf("%s: second list %v %v", enc, second, err)
		}
		if _, err := r.Read(); err != io.EOF {
			t.Errorf("%s: want io.EOF after last list, got %v", enc, err)
		}
	}
}

func TestWriterRefuses(t *testing.T) {
	cases := []struct {
		enc Encoding
		a   Attr
	}{
		{Null, Attr{Name: "a", Value: "x\x00y"}},
		{Plain, Attr{Name: "a", Value: "x\ny"}},
		{Plain, Attr{Name: "a=b", Value: "x"}},
		{Base64, Attr{Name: "", Value: "x"}},
	}
	for _, c := range cases {
		if err := NewWriter(io.Discard, c.enc).Write(List{c.a}); err == nil {
			t.Errorf("%s %v: no error", c.enc, c.a)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	cases := []struct {
		enc Encoding
		in  string
	}{
		{Null, "name\x00val"},     // EOF inside a value
		{Null, "name\x00val\x00"}, // EOF before terminator
		{Base64, "bmFtZQ==\n\n"},  // name without value
		{Base64, "!!!:YQ==\n\n"},  // bad base64
		{Plain, "name\n\n"},       // name without value
		{Plain, "}\n\n"},          // unbalanced close
		{Plain, "{\na=b\n\n"},     // unclosed table
		{Plain, "{=x\n}\n\n"},     // marker with a value
		{Null, "a\x00" + strings.Repeat("x", 100) + "\x00\x00"}, // too long
	}
	for _, c := range cases {
		r := NewReader(strings.NewReader(c.in), c.enc)
		r.Limits.MaxString = 50
		if l, err := r.Read(); err == nil {
			t.Errorf("%s %q: no error, got %v", c.enc, c.in, l)
		}
	}
	r := NewReader(strings.NewReader("a\x00b\x00"), Null)
	if _, err := r.Read(); !errors.Is(err, ErrPremature) {
		t.Errorf("want ErrPremature, got %v", err)
	}
	r = NewReader(strings.NewReader("a=1\nb=2\nc=3\n\n"), Plain)
	r.Limits.MaxAttrs = 2
	if _, err := r.Read(); err == nil {
		t.Error("attribute count limit not enforced")
	}
}

func TestNumber(t *testing.T) {
	l := List{{Name: "n", Value: "+1"}, {Name: "m", Value: "12x"}, {Name: "o", Value: "7"}}
	for _, name := range []string{"n", "m", "missing"} {
		if _, err := l.Number(name); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n, err := l.Number("o"); n != 7 || err != nil {
		t.Errorf("o: %d %v", n, err)
	}
}

func TestConnAnnounce(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	srv := NewConn(a, Null, 5*time.Second)
	cli := NewConn(b, Null, 5*time.Second)
	done := make(chan error, 1)
	go func() {
		if err := srv.Announce("test_protocol"); err != nil {
			done <- err
			return
		}
		req, err := srv.Recv()
		if err != nil {
			done <- err
			return
		}
		v, _ := req.Get("ping")
		done <- srv.Send(List{{Name: "pong", Value: v}})
	}()
	if err := cli.ExpectProtocol("test_protocol"); err != nil {
		t.Fatal(err)
	}
	reply, err := cli.Call(List{{Name: "ping", Value: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := reply.Get("pong"); v != "x" {
		t.Errorf("reply %v", reply)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestConnWrongProtocol(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go NewConn(a, Plain, time.Second).Announce("other")
	err := NewConn(b, Plain, time.Second).ExpectProtocol("mine")
	if err == nil || !strings.Contains(err.Error(), "unexpected protocol other (expected: mine)") {
		t.Errorf("got %v", err)
	}
}

func TestConnTimeout(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := NewConn(b, Null, 50*time.Millisecond).Recv(); err == nil {
		t.Error("Recv without data returned no error")
	}
}

func TestStrict(t *testing.T) {
	l := List{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}
	if v, ok := l.Strict("a", "b"); !ok || v[0] != "1" || v[1] != "2" {
		t.Errorf("Strict(a, b) = %q, %v", v, ok)
	}
	for _, names := range [][]string{{"a"}, {"b", "a"}, {"a", "b", "c"}, {"a", "c"}} {
		if _, ok := l.Strict(names...); ok {
			t.Errorf("Strict(%q) accepted %v", names, l)
		}
	}
}
