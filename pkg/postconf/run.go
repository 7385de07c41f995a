package postconf

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// session is one postconf run: its options, output streams and the
// tables built from main.cf and master.cf.
type session struct {
	prog   string // argv[0], the prefix of every message
	stdout *bufio.Writer
	stderr io.Writer
	pid    int

	mode         int
	configDir    string // var_config_dir
	configDirSet bool   // -c or $MAIL_CONFIG: config_directory is "set"

	main        *dict // CONFIG_DICT: config_directory, main.cf, -o
	defaults    *config.Config
	params      *paramTable
	master      []*masterEnt
	restClasses map[string]bool
	dbmsSeen    map[string]bool
}

// Run executes postconf with the command-line arguments args (without the
// program name) and returns the exit status. prog is argv[0], used in
// messages as Postfix does.
func Run(prog string, args []string, stdout, stderr io.Writer) int {
	s := &session{
		prog:   prog,
		stdout: bufio.NewWriterSize(stdout, 4096),
		stderr: stderr,
		pid:    os.Getpid(),
		main:   newDict(),
	}
	if err := s.run(args); err != nil {
		if err == errExit1 {
			return 1
		}
		// Like Postfix, output still buffered at a fatal error is lost.
		fmt.Fprintf(s.stderr, "%s: fatal: %s\n", s.prog, err)
		return 1
	}
	if err := s.stdout.Flush(); err != nil {
		fmt.Fprintf(s.stderr, "%s: fatal: write: %s\n", s.prog, strerror(err))
		return 1
	}
	return 0
}

func (s *session) warn(format string, args ...any) {
	fmt.Fprintf(s.stderr, "%s: warning: %s\n", s.prog, fmt.Sprintf(format, args...))
}

// out writes to standard output.
func (s *session) out(text string) { s.stdout.WriteString(text) }

func (s *session) run(args []string) error {
	o, err := s.parseOptions(args)
	if err != nil {
		return err
	}
	s.setConfigDir(o.configDir)
	if err := s.completeMode(o); err != nil {
		return err
	}
	if o.bounceArgs {
		if len(o.args) > 1 {
			return fmt.Errorf("options -b and -t require at most one template file")
		}
		// XXX: Postfix runs "$daemon_directory/bounce -SVndump_templates".
		return fmt.Errorf("options -b and -t are not implemented in Postern")
	}
	switch {
	case s.mode&showMaps != 0:
		return s.showMaps()
	case s.mode&showLocks != 0:
		s.showLocks()
	case s.mode&masterMask != 0 && s.mode&editMask == 0:
		return s.showMaster(o)
	case s.mode&(showSASLServ|showSASLClnt) != 0:
		s.showSASL()
	case s.mode&showTLS != 0:
		return s.showTLS(o.tlsArg)
	case s.mode&editMask != 0:
		if len(o.args) == 0 {
			return errNoService
		}
		if s.mode&masterMask != 0 {
			return s.editMaster(o.args)
		}
		return s.editMain(o.args)
	default:
		return s.showMain(o)
	}
	return nil
}

// setConfigDir is pcf_set_config_dir: -c sets $MAIL_CONFIG, which wins
// over the built-in default and makes config_directory a main.cf setting.
func (s *session) setConfigDir(flag string) {
	dir := flag
	if dir == "" {
		dir = os.Getenv("MAIL_CONFIG")
	}
	if dir == "" {
		s.configDir = config.DefaultConfigDirectory
		return
	}
	s.configDir, s.configDirSet = dir, true
}

// completeMode makes the implied options explicit and checks the option
// combinations, as postconf.c main() does.
func (s *session) completeMode(o *options) error {
	s.mode = o.mode
	if s.mode&incompatOptions[0] == 0 {
		s.mode |= mainParam
	}
	if s.mode&(mainParam|masterMask) != 0 && len(o.args) > 0 && strings.Contains(o.args[0], "=") {
		s.mode |= editConf
	}
	if err := checkExclusive(s.mode); err != nil {
		return err
	}
	if err := checkCompat(s.mode); err != nil {
		return err
	}
	if s.mode&editConf != 0 && len(o.args) == 0 {
		return fmt.Errorf("-e requires name=value argument")
	}
	return nil
}

// readParameters reads main.cf into the global table (pcf_read_parameters);
// a missing main.cf is fatal.
func (s *session) readParameters() error {
	if s.configDirSet {
		s.main.update("config_directory", s.configDir)
	}
	path := s.configDir + "/main.cf"
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("open %s: %s", path, strerror(err))
	}
	return s.loadDict(s.main, path, data)
}

// setParameters applies -o name=value (pcf_set_parameters).
func (s *session) setParameters(overrides []string) error {
	for _, nv := range overrides {
		name, value, errText := splitNameVal(nv)
		if errText != "" {
			return fmt.Errorf("invalid parameter override: %s: %s", nv, errText)
		}
		s.main.update(name, value)
	}
	return nil
}

// initDefaults prepares the computed defaults (myhostname, mynetworks,
// ...): from main.cf settings, or from nothing with -d.
func (s *session) initDefaults() {
	f := &config.File{Path: s.configDir + "/main.cf", Map: map[string]string{}}
	if s.mode&showDefs == 0 {
		for _, n := range s.main.names {
			f.Map[n] = s.main.vals[n]
		}
	}
	s.defaults = config.New(s.configDir, f)
}
