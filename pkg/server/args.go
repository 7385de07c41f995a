package server

import (
	"fmt"
	"strconv"

	"github.com/postern/postern/pkg/config"
)

// flags are the command-line options the master gives a daemon.
type flags struct {
	chroot, unpriv, solitary, unlimited bool
	foreground, debug, standalone       bool
	verbose, stderrLog                  int
	service, transport                  string
	sockets                             int
	retire                              int
	overrides                           []config.Option // -o, -i, -m in order
	args                                []string
}

// withArg lists the options that take an argument (getopt
// "cdDi:lm:n:o:r:s:St:uvVz").
var withArg = map[byte]bool{'i': true, 'm': true, 'n': true, 'o': true, 'r': true, 's': true, 't': true}

// parseFlags parses argv[1:] the way getopt(3) does: options may be
// grouped ("-lz"), an argument may be attached ("-n2525") or separate,
// and parsing stops at "--" or at the first non-option.
func parseFlags(argv []string) (flags, error) {
	f := flags{sockets: 1}
	i := 0
	for ; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			var val string
			if withArg[c] {
				switch {
				case j+1 < len(a):
					val = a[j+1:]
				case i+1 < len(argv):
					i++
					val = argv[i]
				default:
					return f, fmt.Errorf("option requires an argument -- %c", c)
				}
				j = len(a)
			}
			if err := f.set(c, val); err != nil {
				return f, err
			}
		}
	}
	f.args = argv[i:]
	return f, nil
}

func (f *flags) set(c byte, val string) error {
	switch c {
	case 'c':
		f.chroot = true
	case 'd':
		f.foreground = true
	case 'D':
		f.debug = true
	case 'l':
		f.solitary = true
	case 'S':
		f.standalone = true
	case 'u':
		f.unpriv = true
	case 'v':
		f.verbose++
	case 'V':
		f.stderrLog++
	case 'z':
		f.unlimited = true
	case 'n':
		f.service = val
	case 't':
		f.transport = val
	case 'i':
		f.overrides = append(f.overrides, config.Option{Name: "max_idle", Value: val})
	case 'm':
		f.overrides = append(f.overrides, config.Option{Name: "max_use", Value: val})
	case 'o':
		name, value, err := config.SplitNameValue(val)
		if err != nil {
			return fmt.Errorf("invalid \"-o %s\" option value: %v", val, err)
		}
		f.overrides = append(f.overrides, config.Option{Name: name, Value: value})
	case 'r':
		n, err := strconv.Atoi(val)
		if err != nil || n <= 0 {
			return fmt.Errorf("invalid retirement time: %s", val)
		}
		f.retire = n
	case 's':
		n, err := strconv.Atoi(val)
		if err != nil || n <= 0 {
			return fmt.Errorf("invalid socket_count: %s", val)
		}
		f.sockets = n
	default:
		return fmt.Errorf("invalid option: %c", c)
	}
	return nil
}
