package proxymap

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/dict"
)

type pfixture struct {
	dir   string
	svc   *Service
	conn  *attr.Conn
	mu    sync.Mutex
	warns []string
}

func newProxy(t *testing.T, writer bool, approved string) *pfixture {
	f := &pfixture{dir: t.TempDir()}
	src := filepath.Join(f.dir, "access")
	os.WriteFile(src, []byte("alice@example.com OK\nexample.net REJECT\n"), 0o644)
	if err := dict.BuildMap("hash", src, dict.BuildOptions{Flags: dict.FoldFix}); err != nil {
		t.Fatal(err)
	}
	approved = strings.ReplaceAll(approved, "DIR", f.dir)
	f.svc = &Service{Writer: writer, Approved: approvedTables(approved, "proxy_read_maps", nil),
		Timeout: 5 * time.Second, tables: map[string]dict.Dict{},
		Warn: func(format string, args ...any) {
			f.mu.Lock()
			f.warns = append(f.warns, fmt.Sprintf(format, args...))
			f.mu.Unlock()
		}}
	a, b := net.Pipe()
	go func() { f.svc.Serve(a); a.Close() }()
	f.conn = attr.NewConn(b, attr.Null, 5*time.Second)
	if err := f.conn.ExpectProtocol(Protocol); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); f.svc.Close() })
	return f
}

func (f *pfixture) call(t *testing.T, kv ...string) map[string]string {
	t.Helper()
	var req attr.List
	for i := 0; i+1 < len(kv); i += 2 {
		req.Str(kv[i], strings.ReplaceAll(kv[i+1], "DIR", f.dir))
	}
	reply, err := f.conn.Call(req)
	if err != nil {
		t.Fatalf("%v: %v", kv, err)
	}
	out := map[string]string{}
	for _, a := range reply {
		out[a.Name] = a.Value
	}
	return out
}

const foldFix = "16384" // DICT_FLAG_FOLD_FIX

func TestOpenLookup(t *testing.T) {
	f := newProxy(t, false, "$x, proxy:hash:DIR/access { proxy:proxy:regexp:DIR/re opt=1 } "+
		"unionmap:{proxy:texthash:DIR/u1, hash:DIR/notproxied}")
	if r := f.call(t, "request", "open", "table", "hash:DIR/access", "flags", foldFix); r["status"] != "0" || r["flags"] != "16400" {
		t.Errorf("open: %v", r)
	}
	if r := f.call(t, "request", "lookup", "table", "proxy:hash:DIR/access", "flags", foldFix, "key", "Alice@Example.COM"); r["status"] != "0" || r["value"] != "OK" {
		t.Errorf("lookup: %v", r)
	}
	if r := f.call(t, "request", "lookup", "table", "hash:DIR/access", "flags", foldFix, "key", "bob@example.com"); r["status"] != "1" || r["value"] != "" {
		t.Errorf("missing key: %v", r)
	}
	for _, tbl := range []string{"regexp:DIR/re", "texthash:DIR/u1"} {
		if !f.svc.Approved[strings.ReplaceAll(tbl, "DIR", f.dir)] {
			t.Errorf("%s not approved: %v", tbl, f.svc.Approved)
		}
	}
	if f.svc.Approved[f.dir+"/notproxied"] || f.svc.Approved["hash:"+f.dir+"/notproxied"] {
		t.Errorf("table without proxy: approved")
	}
	// A table that does not exist: open succeeds, lookups fail (5).
	if r := f.call(t, "request", "open", "table", "regexp:DIR/re", "flags", "0"); r["status"] != "0" {
		t.Errorf("surrogate open: %v", r)
	}
	if r := f.call(t, "request", "lookup", "table", "regexp:DIR/re", "flags", "0", "key", "x"); r["status"] != "5" {
		t.Errorf("surrogate lookup: %v", r)
	}
	if len(f.warns) != 1 || !strings.HasPrefix(f.warns[0], "regexp:"+f.dir+"/re is unavailable. ") {
		t.Errorf("warnings %q", f.warns)
	}
}

func TestDenyAndBad(t *testing.T) {
	f := newProxy(t, false, "proxy:hash:DIR/access")
	if r := f.call(t, "request", "lookup", "table", "hash:DIR/other", "flags", "0", "key", "k"); r["status"] != "4" {
		t.Errorf("unapproved: %v", r)
	}
	want := []string{`request for unapproved table: "hash:` + f.dir + `/other"`,
		"to approve this table for read-only access, list proxy:hash:" + f.dir + "/other in main.cf:proxy_read_maps"}
	if strings.Join(f.warns, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q", f.warns)
	}
	if r := f.call(t, "request", "lookup", "table", "nocolon", "flags", "0", "key", "k"); r["status"] != "3" {
		t.Errorf("no colon: %v", r)
	}
	if r := f.call(t, "request", "lookup", "table", "hash:DIR/access", "key", "k"); r["status"] != "3" {
		t.Errorf("missing flags: %v", r)
	}
	if r := f.call(t, "request", "update", "table", "hash:DIR/access", "flags", "0", "key", "k", "value", "v"); r["status"] != "4" {
		t.Errorf("update on proxymap: %v", r)
	}
	if r := f.call(t, "request", "frob"); r["status"] != "3" {
		t.Errorf("unknown request: %v", r)
	}
}

func TestSequence(t *testing.T) {
	f := newProxy(t, false, "proxy:hash:DIR/access")
	got := map[string]string{}
	fn := "0"
	for i := 0; i < 5; i++ {
		r := f.call(t, "request", "sequence", "table", "hash:DIR/access", "flags", "0", "function", fn)
		fn = "1"
		if r["status"] == "1" {
			break
		}
		if r["status"] != "0" {
			t.Fatalf("sequence: %v", r)
		}
		got[r["key"]] = r["value"]
	}
	if len(got) != 2 || got["alice@example.com"] != "OK" || got["example.net"] != "REJECT" {
		t.Errorf("sequence: %v", got)
	}
}

func TestProxyWrite(t *testing.T) {
	f := newProxy(t, true, "proxy:btree:DIR/cache")
	if r := f.call(t, "request", "update", "table", "btree:DIR/cache", "flags", "0", "key", "k1", "value", "v1"); r["status"] != "0" {
		t.Fatalf("update: %v", r)
	}
	f.call(t, "request", "update", "table", "btree:DIR/cache", "flags", "0", "key", "k2", "value", "v2")
	if r := f.call(t, "request", "lookup", "table", "btree:DIR/cache", "flags", "0", "key", "k1"); r["value"] != "v1" {
		t.Errorf("lookup after update: %v", r)
	}
	if r := f.call(t, "request", "delete", "table", "btree:DIR/cache", "flags", "0", "key", "k1"); r["status"] != "0" {
		t.Errorf("delete: %v", r)
	}
	if r := f.call(t, "request", "delete", "table", "btree:DIR/cache", "flags", "0", "key", "k1"); r["status"] != "1" {
		t.Errorf("delete again: %v", r)
	}
	if r := f.call(t, "request", "lookup", "table", "btree:DIR/cache", "flags", "0", "key", "k2"); r["value"] != "v2" {
		t.Errorf("other key after delete: %v", r)
	}
}
