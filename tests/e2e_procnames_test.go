package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestE2EProcessNames: every process of a running instance is named
// after its program, as Postfix's are, so that ps, pidof, pgrep -x and
// process monitors find "master", "smtpd", "qmgr"... Found by make
// bench, whose per-program CPU figures listed the master as "exe".
func TestE2EProcessNames(t *testing.T) {
	t.Parallel()
	sink := startE2ESink(t, 0)
	inst := startNullClient(t, sink)
	e2eQueuedAs(t, e2eSwaks(t, inst, "--from", "alice@example.com", "--to", "bob@example.net"))
	sink.waitMessages(t, 1)
	seen := map[string]bool{}
	for _, p := range inst.Processes() {
		comm, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/comm")
		if err != nil {
			continue // gone meanwhile
		}
		want := filepath.Base(p.Args[0])
		if got := strings.TrimSpace(string(comm)); got != want {
			t.Errorf("pid %d %q is named %q", p.PID, p.Args, got)
		}
		seen[want] = true
	}
	for _, name := range []string{"master", "smtpd", "qmgr", "smtp"} {
		if !seen[name] {
			t.Errorf("no %s process among %v", name, seen)
		}
	}
}
