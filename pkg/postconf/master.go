package postconf

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// master.cf as postconf_master.c reads it: unlike the master daemon,
// postconf keeps every field as written ("-" stays "-") so that it can
// print and edit entries, and it brings the daemon options into one
// canonical form ("-o" "name=value", {} removed).

// Master.cf field numbers and names (PCF_MASTER_FLD_*, PCF_MASTER_NAME_*).
const (
	fldService = iota
	fldType
	fldPrivate
	fldUnpriv
	fldChroot
	fldWakeup
	fldMaxproc
	fldCmd

	masterMinFields = 8
	fldWildcard     = -1
)

var fieldNames = []string{"service", "type", "private", "unprivileged", "chroot",
	"wakeup", "process_limit", "command"}

var masterTypes = []string{"unix", "fifo", "inet", "pass", "unix-dgram"}

// masterEnt is one master.cf entry (PCF_MASTER_ENT).
type masterEnt struct {
	nameSpace  string   // service/type
	argv       []string // the fields and the command arguments
	allParams  *dict    // -o name=value settings; nil when none
	roParams   *dict    // process_name, service_name
	validNames map[string]int
}

// daemonOptionWithValue reports whether a daemon option takes a value:
// strchr("o", arg[1]) in Postfix, which also matches a lone "-".
func daemonOptionWithValue(arg string) bool {
	return len(arg) < 2 || arg[1] == 'o'
}

// readMaster reads config_directory/master.cf. A missing file is fatal
// when master.cf is what the user asked about, else a warning.
func (s *session) readMaster(failOnOpen bool) error {
	path := s.configDir + "/master.cf"
	data, err := os.ReadFile(path)
	if err != nil {
		if failOnOpen {
			return fmt.Errorf("open %s: %s", path, strerror(err))
		}
		s.warn("open %s: %s", path, strerror(err))
		return nil
	}
	return logicalLines(s, path, data, func(first int, text string) error {
		m, errText, err := s.parseMasterEntry(text)
		if err != nil {
			return err
		}
		if errText != "" {
			return fmt.Errorf("file %s: line %d: %s", path, first, errText)
		}
		s.master = append(s.master, m)
		return nil
	})
}

// parseMasterEntry parses one logical master.cf line
// (pcf_parse_master_entry). errText is a soft complaint the caller words;
// err is fatal as is.
func (s *session) parseMasterEntry(text string) (*masterEnt, string, error) {
	argv := argvSplitq(text, masterBlanks)
	if len(argv) < masterMinFields {
		return nil, "bad field count", nil
	}
	if err := checkMasterEntry(argv, text); err != nil {
		return nil, "", err
	}
	argv = s.normalizeDaemonArgs(argv)
	m := &masterEnt{nameSpace: argv[0] + "/" + argv[1], argv: argv, roParams: newDict()}
	procName := basename(argv[fldCmd])
	m.roParams.update("process_name", procName)
	if procName != argv[0] {
		m.roParams.update("service_name", argv[0])
	} else {
		m.roParams.update("service_name", procName)
	}
	return m, "", nil
}

// checkMasterEntry checks the single-column fields
// (pcf_check_master_entry); raw is the text named in the error.
func checkMasterEntry(argv []string, raw string) error {
	raw = strings.ReplaceAll(raw, "\n", " ")
	if !slices.Contains(masterTypes, argv[fldType]) {
		return fmt.Errorf("invalid type field \"%s\" in \"%s\"", argv[fldType], raw)
	}
	for f := fldPrivate; f <= fldChroot; f++ {
		if cp := argv[f]; len(cp) != 1 || !strings.Contains("yn-", cp) {
			return fmt.Errorf("invalid %s field \"%s\" in \"%s\"", fieldNames[f], cp, raw)
		}
	}
	cp := argv[fldWakeup]
	n := len(cp)
	if n > 0 && cp[n-1] == '?' {
		n--
	}
	if !(cstr.At(cp, 0) == '-' && n == 1) && cstr.Strspn(cp, "0123456789") != n {
		return fmt.Errorf("invalid wakeup field \"%s\" in \"%s\"", cp, raw)
	}
	if cp := argv[fldMaxproc]; cp != "-" && cstr.Strspn(cp, "0123456789") != len(cp) {
		return fmt.Errorf("invalid process_limit field \"%s\" in \"%s\"", cp, raw)
	}
	return nil
}

// normalizeDaemonArgs brings the command arguments into canonical form
// (pcf_normalize_daemon_args): "-vo x" becomes "-v" "-o" "x", "-ox"
// becomes "-o" "x", and {} around a value is removed.
func (s *session) normalizeDaemonArgs(argv []string) []string {
	field := masterMinFields
	for ; field < len(argv); field++ {
		arg := argv[field]
		if cstr.At(arg, 0) != '-' || arg == "--" {
			break
		}
		for i := 2; i < len(arg); i++ {
			if arg[i] == 'o' {
				argv = slices.Insert(argv, field+1, "-"+arg[i:])
				argv[field], arg = arg[:i], arg[:i]
				break
			}
		}
		if !daemonOptionWithValue(arg) {
			continue
		}
		extract := false
		if len(arg) > 2 {
			argv = slices.Insert(argv, field+1, arg[2:])
			argv[field] = arg[:2]
			field++
			extract = cstr.At(argv[field], 0) == '{'
		} else if field+1 < len(argv) {
			field++
			extract = cstr.At(argv[field], 0) == '{'
		}
		if extract {
			s.extractField(argv, field)
			if cstr.At(argv[field-1], 1) == 'o' {
				s.normalizeNameval(argv, field)
			}
		}
	}
	for ; field < len(argv); field++ {
		if cstr.At(argv[field], 0) == '{' {
			s.extractField(argv, field)
		}
	}
	return argv
}

// extractField removes {} and the white space inside them.
func (s *session) extractField(argv []string, field int) {
	text, errText := extpar(argv[field], true)
	if errText != "" {
		s.warn("master.cf: %s", errText)
	}
	argv[field] = text
}

// normalizeNameval turns "name = value" from inside {} into "name=value".
func (s *session) normalizeNameval(argv []string, field int) {
	name, value, errText := splitNameVal(argv[field])
	if errText != "" {
		s.warn("master.cf: %s: \"%s\"", errText, argv[field])
		return
	}
	argv[field] = name + "=" + value
}
