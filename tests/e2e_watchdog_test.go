package tests

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// TestE2EWatchdogIdle: the watchdog catches a stuck process, not an idle
// one. Postfix restarts it on every turn of the event loop, so postlogd
// (postlogd_watchdog_timeout = 10s) and any daemon waiting longer than
// $daemon_timeout for its next client live on. Found by the end-to-end
// tests: postlogd died with "fatal: watchdog timeout" every 10 s.
func TestE2EWatchdogIdle(t *testing.T) {
	inst := harness.Start(t, []string{"daemon_timeout = 1s", "max_idle = 100s"},
		"127.0.0.1:{port:single} inet n - n - 1 testd single\n"+
			"127.0.0.1:{port:multi} inet n - n - 1 testd multi\n")
	pids := map[string]string{}
	for _, svc := range []string{"single", "multi"} {
		pids[svc] = testdHello(t, inst, svc)
	}
	// Three watchdog periods without a client.
	time.Sleep(3 * time.Second)
	for _, svc := range []string{"single", "multi"} {
		if got := testdHello(t, inst, svc); got != pids[svc] {
			t.Errorf("%s: served by pid %s after idling, before by %s", svc, got, pids[svc])
		}
	}
	if strings.Contains(inst.Log(), "watchdog timeout") {
		t.Errorf("an idle daemon tripped its watchdog:\n%s", inst.Log())
	}
}

// testdHello connects to a testd service and returns the pid it greets
// with.
func testdHello(t *testing.T, inst *harness.Instance, svc string) string {
	t.Helper()
	c := inst.Dial(t, svc)
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "hello ") {
		t.Fatalf("%s: greeting %q, %v", svc, line, err)
	}
	c.Write([]byte("quit\n"))
	return strings.TrimSpace(strings.TrimPrefix(line, "hello "))
}
