package harness

import (
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

// raceMainCF is the main.cf line that lets GORACE through the master's
// environment cleaning (util/clean_env.c), after the default list.
func raceMainCF() []string {
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
