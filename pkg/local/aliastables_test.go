package local

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

// TestAliasMapsMissing: alias_maps naming a table that cannot be opened
// does not stop local(8): the table is logged as an "error:" record and
// replaced by a stand-in whose lookups fail, so that deliverAlias
// defers the recipient ("alias database unavailable"), as Postfix's
// local does with dict_surrogate().
func TestAliasMapsMissing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing")
	mf, err := config.Parse(filepath.Join(dir, "main.cf"), []byte("myhostname = mx.example.com\n"+
		"mydestination = localhost\nqueue_directory = "+dir+"\nalias_maps = hash:"+path+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	logf := func(level string) func(string, ...any) {
		return func(f string, args ...any) { logs = append(logs, level+": "+fmt.Sprintf(f, args...)) }
	}
	a, err := New(config.New(dir, mf), Options{Service: "local", Info: logf("info"), Warn: logf("warning"),
		Error: logf("error")})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	reason := "open database " + path + ".db: No such file or directory"
	if len(logs) != 1 || logs[0] != "error: "+reason {
		t.Errorf("startup log %q, want the error record %q", logs, "error: "+reason)
	}
	if len(a.aliases.tables) != 1 {
		t.Fatalf("alias tables: %d", len(a.aliases.tables))
	}
	logs = nil
	if _, hit, err := a.aliases.tables[0].d.Lookup("root"); hit || !errors.Is(err, dict.ErrUnavailable) {
		t.Errorf("lookup: %v %v, want dict.ErrUnavailable", hit, err)
	}
	if want := "warning: hash:" + path + " is unavailable. " + reason; len(logs) != 1 || logs[0] != want {
		t.Errorf("lookup log %q, want %q", logs, want)
	}
}
