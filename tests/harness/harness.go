// Package harness starts private Postern instances for process-level
// tests: real binaries, a real master started with "postfix -c DIR
// start", temporary directories and free loopback ports.
//
//	inst := harness.Start(t, []string{"max_idle = 5s"},
//		"127.0.0.1:{port:smtp} inet n - n - 2 testd single\n")
//	c := inst.Dial(t, "smtp")
//	inst.WaitLog(t, `serving`)
//
// main.cf gets settings that make the instance self-contained (queue,
// data, daemon and command directories in the test's temporary
// directory, logging to $maillog_file there, loopback-only IPv4); the
// caller's lines come after them and win. master.cf gets the postlog
// service unless it has one. "{port:NAME}" in master.cf or main.cf
// lines becomes a free loopback port, the same one for each NAME.
//
// The programs named in master.cf are built from cmd/NAME ("testd" is
// this package's test daemon) into a directory shared by the tests of
// one test binary; with $POSTERN_BIN set (make test sets ./bin, just
// built) they are copied from there instead, so run make build first
// when setting it by hand. The instance is stopped when the test ends, and any
// process of the instance still alive then is killed and reported.
package harness

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postern/postern/internal/testport"
)

// DefaultPrograms are built for every instance (when this module has
// them): the master, the postfix command and what it runs (postsuper for
// the queue check, postqueue for flush, postconf for the unused-parameter
// check), and postlogd for maillog_file.
var DefaultPrograms = []string{"master", "postfix", "postlogd", "postsuper", "postqueue", "postconf"}

// Instance is one running test instance.
type Instance struct {
	Dir       string         // the test's directory
	ConfigDir string         // config_directory: main.cf, master.cf
	QueueDir  string         // queue_directory
	DataDir   string         // data_directory
	BinDir    string         // daemon_directory and command_directory
	LogFile   string         // maillog_file
	Ports     map[string]int // {port:NAME} substitutions
	mainCF    []string
	stopped   bool
}

// New prepares an instance without starting it.
func New(t testing.TB, mainCF []string, masterCF string) *Instance {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0755)
	os.Chmod(dir, 0755)
	inst := &Instance{
		Dir:       dir,
		ConfigDir: filepath.Join(dir, "etc"),
		QueueDir:  filepath.Join(dir, "queue"),
		DataDir:   filepath.Join(dir, "data"),
		LogFile:   filepath.Join(dir, "maillog"),
		Ports:     map[string]int{},
	}
	for _, d := range []string{inst.ConfigDir, inst.QueueDir} {
		if err := os.MkdirAll(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	inst.BinDir = Build(t, append(append([]string{}, DefaultPrograms...), commands(masterCF)...)...)
	inst.mainCF = mainCF
	inst.WriteMainCF(t, mainCF)
	inst.WriteMasterCF(t, masterCF)
	return inst
}

// Start prepares an instance and starts it with "postfix start".
func Start(t testing.TB, mainCF []string, masterCF string) *Instance {
	t.Helper()
	inst := New(t, mainCF, masterCF)
	inst.Start(t)
	return inst
}

// Start runs "postfix -c DIR start" and arranges for Stop at the end of
// the test.
func (inst *Instance) Start(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { inst.Stop(t) })
	out, err := inst.Postfix("start")
	if err != nil {
		t.Fatalf("postfix start: %v\n%s\nlog:\n%s", err, out, inst.Log())
	}
	inst.stopped = false
}

// baseMainCF makes the instance self-contained.
func (inst *Instance) baseMainCF() []string {
	return []string{
		"compatibility_level = 3.6",
		"queue_directory = " + inst.QueueDir,
		"data_directory = " + inst.DataDir,
		"daemon_directory = " + inst.BinDir,
		"command_directory = " + inst.BinDir,
		"meta_directory = " + inst.ConfigDir,
		"maillog_file = " + inst.LogFile,
		"maillog_file_prefixes = " + inst.Dir,
		"inet_interfaces = loopback-only",
		"inet_protocols = ipv4",
		"myhostname = mx.example.test",
	}
}

// WriteMainCF rewrites main.cf: the harness settings, then lines.
func (inst *Instance) WriteMainCF(t testing.TB, lines []string) {
	t.Helper()
	base := append(inst.baseMainCF(), RaceMainCF()...)
	text := strings.Join(append(base, lines...), "\n") + "\n"
	inst.write(t, "main.cf", inst.substitute(t, text))
}

// WriteMasterCF rewrites master.cf, adding the postlog service.
func (inst *Instance) WriteMasterCF(t testing.TB, text string) {
	t.Helper()
	if !regexp.MustCompile(`(?m)^postlog\s+unix-dgram\s`).MatchString(text) {
		text = "postlog unix-dgram n - n - 1 postlogd\n" + text
	}
	Build(t, commands(text)...)
	inst.write(t, "master.cf", inst.substitute(t, text))
}

func (inst *Instance) write(t testing.TB, name, text string) {
	if err := os.WriteFile(filepath.Join(inst.ConfigDir, name), []byte(text), 0644); err != nil {
		t.Fatal(err)
	}
}

var portRef = regexp.MustCompile(`\{port:([A-Za-z0-9_.-]+)\}`)

// substitute replaces {port:NAME} with a free loopback port.
func (inst *Instance) substitute(t testing.TB, text string) string {
	return portRef.ReplaceAllStringFunc(text, func(ref string) string {
		name := portRef.FindStringSubmatch(ref)[1]
		if _, ok := inst.Ports[name]; !ok {
			inst.Ports[name] = FreePort(t)
		}
		return strconv.Itoa(inst.Ports[name])
	})
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now
// and that no other test, in this process or another test binary, holds
// (internal/testport: Postfix's listeners set SO_REUSEPORT and would
// share a port told to two instances).
func FreePort(t testing.TB) int {
	t.Helper()
	return testport.Free(t)
}

// commands lists the command column of each master.cf entry.
func commands(masterCF string) []string {
	var out []string
	for _, line := range strings.Split(masterCF, "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && line[0] != ' ' && line[0] != '\t' && !strings.HasPrefix(f[0], "#") {
			out = append(out, filepath.Base(f[7]))
		}
	}
	return out
}

// Addr returns "127.0.0.1:PORT" for a {port:NAME}.
func (inst *Instance) Addr(t testing.TB, name string) string {
	t.Helper()
	p, ok := inst.Ports[name]
	if !ok {
		t.Fatalf("harness: no port named %q", name)
	}
	return "127.0.0.1:" + strconv.Itoa(p)
}
