package tests

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/tests/harness"
)

// TestRaceReportReachesHarness checks, under go test -race, that a data
// race in a daemon started by the master is reported to the test: GORACE
// survives the postfix command's and the master's environment cleaning
// ($import_environment) and the report lands where the harness looks.
func TestRaceReportReachesHarness(t *testing.T) {
	if harness.RaceScale == 1 {
		t.Skip("only under -race (make race)")
	}
	inst := harness.Start(t, nil, "127.0.0.1:{port:echo} inet n - n - 1 testd single\n")
	c := inst.Dial(t, "echo")
	r := bufio.NewReader(c)
	r.ReadString('\n') // hello PID
	fmt.Fprintf(c, "race\n")
	if line, err := r.ReadString('\n'); line != "raced\n" {
		t.Fatalf("reply to race: %q %v", line, err)
	}
	var reports []string
	harness.Eventually(t, "a race report from testd", func() bool {
		reports = append(reports, inst.RaceReports()...)
		return len(reports) > 0
	})
	if !strings.Contains(reports[0], "WARNING: DATA RACE") || !strings.Contains(reports[0], "main.dataRace") {
		t.Errorf("race report:\n%s", reports[0])
	}
}
