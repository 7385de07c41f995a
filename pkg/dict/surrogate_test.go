package dict

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSurrogate: with Options.Surrogate a missing table or a directory
// where the table should be opens as a stand-in that logs Postfix's
// "error: open database ..." once and "TYPE:NAME is unavailable. ..."
// at each lookup, which fails; without it Open fails.
func TestSurrogate(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "d.db"), 0o755)
	for _, c := range []struct{ name, reason string }{
		{"missing", "No such file or directory"},
		{"d", "Is a directory"},
	} {
		spec := "hash:" + filepath.Join(dir, c.name)
		want := "open database " + filepath.Join(dir, c.name) + ".db: " + c.reason
		if _, err := Open(spec, Options{}); err == nil || err.Error() != want {
			t.Errorf("Open %s: %v, want %q", spec, err, want)
		}
		var errs, warns []string
		d, err := Open(spec, Options{Surrogate: true,
			Error: func(m string) { errs = append(errs, m) }, Warn: func(m string) { warns = append(warns, m) }})
		if err != nil {
			t.Fatal(err)
		}
		m := NewMaps("virtual_alias_maps", []string{spec}, []Dict{d})
		_, found, err := m.Find("a@example.com", false)
		if found || !errors.Is(err, ErrUnavailable) || err.Error() != spec+` lookup error for "a@example.com"` {
			t.Errorf("%s: Find: %v %v", spec, found, err)
		}
		if len(errs) != 1 || errs[0] != want {
			t.Errorf("%s: error records %q", spec, errs)
		}
		if len(warns) != 1 || warns[0] != spec+" is unavailable. "+want {
			t.Errorf("%s: warnings %q", spec, warns)
		}
	}
	if _, err := Open("hash:"+filepath.Join(dir, "missing"), Options{}); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("errors.Is(ENOENT) lost: %v", err)
	}
	d, err := Open("nosuchtype:x", Options{Surrogate: true})
	if err != nil {
		t.Fatalf("unknown type with Surrogate: %v", err)
	}
	if _, _, err := d.Lookup("k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("unknown type's stand-in: %v", err)
	}
}
