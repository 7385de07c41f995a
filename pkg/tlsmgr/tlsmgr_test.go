package tlsmgr

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
)

func newTLSMgr(t *testing.T) (*Service, *attr.Conn, *[]string) {
	var warns []string
	s := &Service{Timeout: 5 * time.Second,
		Warn: func(format string, args ...any) { warns = append(warns, fmt.Sprintf(format, args...)) }}
	now := time.Unix(1_700_000_000, 0)
	s.Now = func() time.Time { return now }
	s.caches = []*sessionCache{
		{label: "smtpd", timeout: 3600 * time.Second, entries: map[string]sessionEntry{}},
		{label: "smtp", timeout: 3600 * time.Second},
		{label: "lmtp", timeout: 3600 * time.Second},
	}
	a, b := net.Pipe()
	go func() { s.Serve(a); a.Close() }()
	c := attr.NewConn(b, attr.Null, 5*time.Second)
	if err := c.ExpectProtocol(Protocol); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return s, c, &warns
}

func call(t *testing.T, c *attr.Conn, l attr.List) map[string]string {
	t.Helper()
	reply, err := c.Call(l)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range reply {
		out[a.Name] = a.Value
	}
	return out
}

func req(kv ...string) attr.List {
	var l attr.List
	for i := 0; i+1 < len(kv); i += 2 {
		l.Str(kv[i], kv[i+1])
	}
	return l
}

func TestSeedPolicy(t *testing.T) {
	_, c, warns := newTLSMgr(t)
	r := call(t, c, req("request", "seed", "size", "32"))
	seed, err := attr.DecodeData(r["seed"], attr.Null)
	if r["status"] != "0" || err != nil || len(seed) != 32 {
		t.Errorf("seed: %v", r)
	}
	if r := call(t, c, req("request", "seed", "size", "256")); r["status"] != "4294967294" {
		t.Errorf("bogus seed: %v", r)
	}
	if r := call(t, c, req("request", "policy", "cache_type", "smtpd")); r["cachable"] != "1" || r["timeout"] != "3600" {
		t.Errorf("smtpd policy: %v", r)
	}
	if r := call(t, c, req("request", "policy", "cache_type", "smtp")); r["status"] != "0" || r["cachable"] != "0" {
		t.Errorf("smtp policy: %v", r)
	}
	call(t, c, req("request", "policy", "cache_type", "imap"))
	want := `bogus seed length "256" in "seed" request|bogus cache type "imap" in "policy" request`
	if strings.Join(*warns, "|") != want {
		t.Errorf("warnings %q", *warns)
	}
}

func TestSessionCache(t *testing.T) {
	_, c, _ := newTLSMgr(t)
	var up attr.List
	up.Str("request", "update")
	up.Str("cache_type", "smtpd")
	up.Str("cache_id", "abc")
	up.Bytes("session", []byte("\x00session\xff"))
	if r := call(t, c, up); r["status"] != "0" {
		t.Fatalf("update: %v", r)
	}
	r := call(t, c, req("request", "lookup", "cache_type", "smtpd", "cache_id", "abc"))
	if data, _ := attr.DecodeData(r["session"], attr.Null); r["status"] != "0" || string(data) != "\x00session\xff" {
		t.Errorf("lookup: %v", r)
	}
	if r := call(t, c, req("request", "delete", "cache_type", "smtpd", "cache_id", "abc")); r["status"] != "0" {
		t.Errorf("delete: %v", r)
	}
	if r := call(t, c, req("request", "lookup", "cache_type", "smtpd", "cache_id", "abc")); r["status"] != "4294967295" {
		t.Errorf("lookup after delete: %v", r)
	}
	if r := call(t, c, req("request", "lookup", "cache_type", "smtp", "cache_id", "abc")); r["status"] != "4294967294" {
		t.Errorf("disabled cache: %v", r)
	}
}

func TestTicketKeys(t *testing.T) {
	s, c, _ := newTLSMgr(t)
	var l attr.List
	l.Str("request", "tktkey")
	l.Bytes("keyname", nil)
	r := call(t, c, l)
	buf, _ := attr.DecodeData(r["keybuf"], attr.Null)
	if r["status"] != "0" || len(buf) != TicketKeySize {
		t.Fatalf("new key: %v", r)
	}
	if tout := int64(binary.NativeEndian.Uint64(buf[80:])); tout != 1_700_000_000+1800-1 {
		t.Errorf("expiry %d", tout)
	}
	var byName attr.List
	byName.Str("request", "tktkey")
	byName.Bytes("keyname", buf[:16])
	r1 := call(t, c, byName)
	if got, _ := attr.DecodeData(r1["keybuf"], attr.Null); r1["status"] != "0" || string(got) != string(buf) {
		t.Errorf("by name: %v", r1)
	}
	var bad attr.List
	bad.Str("request", "tktkey")
	bad.Bytes("keyname", []byte("short"))
	if r := call(t, c, bad); r["status"] != "4294967294" {
		t.Errorf("bad name: %v", r)
	}
	// After the signing half the key is replaced; the old one still
	// decrypts for another half.
	s.Now = func() time.Time { return time.Unix(1_700_000_000+1900, 0) }
	r2 := call(t, c, l)
	buf2, _ := attr.DecodeData(r2["keybuf"], attr.Null)
	if string(buf2[:16]) == string(buf[:16]) {
		t.Error("key not rotated")
	}
	if r := call(t, c, byName); r["status"] != "0" {
		t.Errorf("previous key: %v", r)
	}
}

func TestMasterTrigger(t *testing.T) {
	_, c, _ := newTLSMgr(t)
	c.NetConn().Write([]byte("W\x00"))
	c.NetConn().SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.NetConn().Read(make([]byte, 1)); err == nil {
		t.Error("connection kept after a trigger")
	}
}
