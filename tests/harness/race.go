package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/config"
)

// Race reports of an instance. Under go test -race the programs are
// race-built (race_on.go), and a race in a daemon must fail the test even
// though a daemon's standard error goes to /dev/null. So "postfix start"
// runs with GORACE=log_path=DIR/race/report (the race runtime writes each
// report to report.PID), main.cf adds GORACE to $import_environment so
// that the postfix command and the master pass it on to every child, and
// Stop fails the test with the reports it finds there.

// RaceMainCF is the main.cf line that lets GORACE through the master's
// environment cleaning (util/clean_env.c), after the default list; nothing
// without -race. An instance whose main.cf the harness does not write
// (an installed tree) needs it for its daemons' race reports.
func RaceMainCF() []string {
	if !raceEnabled {
		return nil
	}
	def, _ := config.New("", nil).Default("import_environment")
	return []string{"import_environment = " + def + " GORACE"}
}

// raceDir is where the instance's programs write race reports.
func (inst *Instance) raceDir() string { return filepath.Join(inst.Dir, "race") }

// environ is the environment of the commands the harness runs: its own,
// with GORACE pointing the race reports at raceDir under -race.
func (inst *Instance) environ() []string {
	env := os.Environ()
	if !raceEnabled {
		return env
	}
	os.MkdirAll(inst.raceDir(), 0777)
	os.Chmod(inst.raceDir(), 0777) // daemons that drop privileges write here too
	opts := []string{"log_path=" + filepath.Join(inst.raceDir(), "report")}
	for _, o := range strings.Fields(os.Getenv("GORACE")) {
		if !strings.HasPrefix(o, "log_path=") {
			opts = append(opts, o)
		}
	}
	return append(env, "GORACE="+strings.Join(opts, " "))
}

// RaceReports returns the race reports that the instance's programs have
// written so far and removes them; Stop fails the test with those still
// there. Without -race it returns nothing.
func (inst *Instance) RaceReports() []string {
	files, _ := filepath.Glob(filepath.Join(inst.raceDir(), "report.*"))
	var out []string
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			out = append(out, filepath.Base(f)+":\n"+string(data))
		}
		os.Remove(f)
	}
	return out
}

// checkRace fails the test with the race reports of the instance's
// programs.
func (inst *Instance) checkRace(t testing.TB) {
	t.Helper()
	for _, r := range inst.RaceReports() {
		t.Errorf("race report of an instance program: %s", r)
	}
}

// raceCatchAll points GORACE, when it names no log_path, at a directory
// of its own for every process the tests start (commands run directly,
// instances not made by the harness), so that a plain go test -race
// catches their reports as make race does. It returns a function that
// prints the reports found there and tells whether there were any.
func raceCatchAll() (check func() bool) {
	if !raceEnabled || strings.Contains(os.Getenv("GORACE"), "log_path=") {
		return func() bool { return false }
	}
	dir, err := os.MkdirTemp("", "postern-race-")
	if err != nil {
		return func() bool { return false }
	}
	os.Chmod(dir, 0777)
	os.Setenv("GORACE", strings.TrimSpace("log_path="+filepath.Join(dir, "report")+" "+os.Getenv("GORACE")))
	return func() bool {
		defer os.RemoveAll(dir)
		files, _ := filepath.Glob(filepath.Join(dir, "report.*"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			fmt.Fprintf(os.Stderr, "race report of a program the tests ran (%s):\n%s\n", filepath.Base(f), data)
		}
		return len(files) > 0
	}
}
