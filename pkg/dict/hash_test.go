package dict

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func buildTable(t testing.TB, path string, pairs ...string) {
	t.Helper()
	b := NewBuilder(true)
	for i := 0; i+1 < len(pairs); i += 2 {
		b.Add(pairs[i], pairs[i+1], false)
	}
	if err := b.WriteFile(path+".db", WriteOptions{Mode: 0644, UID: -1, GID: -1}); err != nil {
		t.Fatal(err)
	}
}

func TestHashFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "map")
	b := NewBuilder(true)
	for i := 0; i < 5000; i++ {
		b.Add(fmt.Sprintf("Key%d", i), fmt.Sprintf("value %d", i), false)
	}
	if !b.Add("key7", "dup", false) {
		t.Error("duplicate not reported")
	}
	b.Add("", "empty key", false)
	if err := b.WriteFile(path+".db", WriteOptions{Mode: 0640, UID: -1, GID: -1}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path + ".db"); st.Mode().Perm() != 0640 {
		t.Errorf("mode %v", st.Mode())
	}
	d := openSpec(t, "hash:"+path, FoldFix)
	expect(t, d, "KEY7", "value 7", true)
	expect(t, d, "key4999", "value 4999", true)
	expect(t, d, "key5000", "", false)
	n := 0
	d.(Sequencer).Seq(func(k, v string) bool {
		if n == 0 && (k != "key0" || v != "value 0") {
			t.Errorf("first entry %q %q", k, v)
		}
		n++
		return true
	})
	if n != 5001 {
		t.Errorf("seq saw %d entries", n)
	}
	for _, typ := range []string{"cdb", "lmdb"} {
		if _, err := Open(typ+":"+path, Options{}); err == nil {
			t.Errorf("%s opened a .db file", typ)
		}
	}
}

func TestHashSuffixes(t *testing.T) {
	for typ, sfx := range map[string]string{"hash": ".db", "btree": ".db", "cdb": ".cdb", "lmdb": ".lmdb"} {
		if f, ok := IndexedFile(typ, "/x/y"); !ok || f != "/x/y"+sfx {
			t.Errorf("%s: %q", typ, f)
		}
	}
	if _, ok := IndexedFile("regexp", "x"); ok {
		t.Error("regexp is not indexed")
	}
}

// A reader keeps answering while the file is replaced, and picks up the
// new table within reopenInterval.
// TestHashReopenAfterReplace replaces a table file under concurrent
// readers. After each replacement the test makes the next lookup check
// the file (hashDict.nextCheck; otherwise a lookup checks at most once
// per reopenInterval), so one reader maps the new file while the others
// read: no reader may see anything but a whole old or new table. Once
// the readers have stopped, the next lookup must map the last file; the
// last file only, not one of the intermediate versions a reader may have
// mapped while the builds were running.
func TestHashReopenAfterReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "map")
	buildTable(t, path, "a", "old")
	d := openSpec(t, "hash:"+path, FoldFix)
	hd := d.(*hashDict)
	expect(t, d, "a", "old", true)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, ok, err := d.Lookup("a")
				if err != nil || !ok || (v != "old" && v != "new") {
					t.Errorf("torn read: %q %v %v", v, ok, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		buildTable(t, path, "a", "new", "b", fmt.Sprint(i))
		hd.nextCheck.Store(0)
	}
	close(stop)
	wg.Wait()
	hd.nextCheck.Store(0)
	expect(t, d, "a", "new", true)
	expect(t, d, "b", "19", true)
}

// TestHashReopenInterval: without a forced check, a replaced file is
// noticed by the first lookup after reopenInterval, not before.
func TestHashReopenInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "map")
	buildTable(t, path, "a", "old")
	d := openSpec(t, "hash:"+path, FoldFix)
	hd := d.(*hashDict)
	hd.nextCheck.Store(time.Now().Add(time.Hour).UnixNano())
	buildTable(t, path, "a", "new")
	expect(t, d, "a", "old", true)
	hd.nextCheck.Store(time.Now().Add(-time.Nanosecond).UnixNano())
	expect(t, d, "a", "new", true)
	if next := hd.nextCheck.Load(); next <= time.Now().UnixNano() {
		t.Errorf("next check at %d, not reopenInterval into the future", next)
	}
}

func TestHashCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "map")
	writeFile(t, path+".db", "this is not a table, it is far too short to be one...............")
	if _, err := Open("hash:"+path, Options{}); err == nil {
		t.Error("opened garbage")
	}
	buildTable(t, path, "a", "b")
	data, _ := os.ReadFile(path + ".db")
	data[20] ^= 0xff // header checksum no longer matches
	os.WriteFile(path+".db", data, 0644)
	if _, err := Open("hash:"+path, Options{}); err == nil {
		t.Error("opened a file with a bad header checksum")
	}
}

func TestHashMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope")
	_, err := Open("hash:"+path, Options{})
	if err == nil || err.Error() != "open database "+path+".db: No such file or directory" {
		t.Errorf("got %v", err)
	}
}

// A malformed source line leaves the old table in place.
func TestBuildMalformedKeepsTable(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "virtual")
	writeFile(t, src, "a 1\n")
	if err := BuildMap("hash", src, BuildOptions{Flags: FoldFix}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, src, "a 2\nbroken\n")
	var warns []string
	err := BuildMap("hash", src, BuildOptions{Flags: FoldFix, Warn: func(s string) { warns = append(warns, s) }})
	if _, ok := err.(*MalformedError); !ok {
		t.Fatalf("got %v", err)
	}
	if len(warns) != 1 || warns[0] != src+", line 2: expected format: key whitespace value" {
		t.Errorf("warnings %q", warns)
	}
	expect(t, openSpec(t, "hash:"+src, FoldFix), "a", "1", true)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

func TestBuildAliases(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "aliases")
	writeFile(t, src, "Root: admin, \"x y\"@z\npostmaster: root\n")
	o := BuildOptions{Flags: FoldFix | DupWarn, Hostname: "mx.test", Now: func() time.Time { return time.Unix(1700000000, 0) }}
	if err := NewAliases("hash:"+src, "hash", o); err != nil {
		t.Fatal(err)
	}
	d := openSpec(t, "hash:"+src, FoldFix)
	expect(t, d, "root", `admin, "x y"@z`, true)
	expect(t, d, "@", "@", true)
	got := map[string]string{}
	d.(Sequencer).Seq(func(k, v string) bool { got[k] = v; return true })
	if got["YP_LAST_MODIFIED"] != "1700000000" || got["YP_MASTER_NAME"] != "mx.test" {
		t.Errorf("YP keys: %v", got)
	}
}

func TestIncrementalAndDelete(t *testing.T) {
	src := filepath.Join(t.TempDir(), "m")
	o := BuildOptions{Flags: FoldFix | DupWarn}
	if err := UpdateFromReader("hash", src, stringsReader("a 1\nb 2\n"), "stdin", false, o); err != nil {
		t.Fatal(err)
	}
	var warns []string
	o.Warn = func(s string) { warns = append(warns, s) }
	if err := UpdateFromReader("hash", src, stringsReader("a 9\nc 3\n"), "stdin", false, o); err != nil {
		t.Fatal(err)
	}
	d := openSpec(t, "hash:"+src, FoldFix)
	expect(t, d, "a", "1", true)
	expect(t, d, "c", "3", true)
	if len(warns) != 1 || warns[0] != src+`.db: duplicate entry: "a"` {
		t.Errorf("warnings %q", warns)
	}
	if ok, err := DeleteKeys("hash", src, []string{"A", "zz"}, o); !ok || err != nil {
		t.Errorf("delete: %v %v", ok, err)
	}
	if ok, _ := DeleteKeys("hash", src, []string{"a"}, o); ok {
		t.Error("deleted twice")
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
