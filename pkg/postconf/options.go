package postconf

import (
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/config/cstr"
)

// Command modes: what postconf was asked to do (postconf.h PCF_*).
const (
	showNondef   = 1 << 0  // -n: main.cf non-default settings
	showDefs     = 1 << 1  // -d: defaults
	hideName     = 1 << 2  // -h
	showMaps     = 1 << 3  // -m
	editConf     = 1 << 4  // -e
	showLocks    = 1 << 5  // -l
	showEval     = 1 << 6  // -x
	showSASLServ = 1 << 7  // -a
	showSASLClnt = 1 << 8  // -A
	commentOut   = 1 << 9  // -#
	masterEntry  = 1 << 10 // -M
	foldLine     = 1 << 11 // -f
	editExcl     = 1 << 12 // -X
	masterFld    = 1 << 13 // -F
	mainParam    = 1 << 14 // -p
	expDSNTempl  = 1 << 15 // -b
	paramClass   = 1 << 16 // -C
	mainOver     = 1 << 17 // -o
	dumpDSNTempl = 1 << 18 // -t
	masterParam  = 1 << 19 // -P
	hideValue    = 1 << 20 // -H
	showTLS      = 1 << 21 // -T

	masterMask = masterEntry | masterFld | masterParam
	editMask   = editConf | commentOut | editExcl
)

// incompatOptions are mutually exclusive option sets; the first holds the
// major modes (postconf.c pcf_incompat_options).
var incompatOptions = []int{
	showSASLServ | showSASLClnt | expDSNTempl | showLocks | showMaps |
		dumpDSNTempl | mainParam | masterEntry | masterFld | masterParam | showTLS,
	showDefs | editConf | showNondef | commentOut | editExcl,
	foldLine | editConf | commentOut | editExcl,
	showEval | editConf | commentOut | editExcl,
	mainOver | showDefs | editConf | commentOut | editExcl,
	hideName | editConf | commentOut | editExcl | hideValue,
}

// compatOptions lists, per option, the only options it combines with
// (postconf.c pcf_compat_options).
var compatOptions = [][2]int{
	{showSASLServ, 0},
	{showSASLClnt, 0},
	{expDSNTempl, 0},
	{showLocks, 0},
	{showMaps, 0},
	{showTLS, 0},
	{dumpDSNTempl, 0},
	{mainParam, editConf | editExcl | commentOut | foldLine | hideName | paramClass |
		showEval | showDefs | showNondef | mainOver | hideValue},
	{masterEntry, editConf | editExcl | commentOut | foldLine | mainOver | showEval},
	{masterFld, editConf | foldLine | hideName | mainOver | showEval | hideValue},
	{masterParam, editConf | editExcl | foldLine | hideName | mainOver | showEval | hideValue},
	{paramClass, mainParam | showDefs | showNondef},
}

// optionNames gives each mode bit its option letter, in Postfix's order.
var optionNames = []struct {
	name string
	bit  int
}{
	{"-a", showSASLServ}, {"-A", showSASLClnt}, {"-b", expDSNTempl}, {"-C", paramClass},
	{"-d", showDefs}, {"-e", editConf}, {"-f", foldLine}, {"-F", masterFld},
	{"-h", hideName}, {"-H", hideValue}, {"-l", showLocks}, {"-m", showMaps},
	{"-M", masterEntry}, {"-n", showNondef}, {"-o", mainOver}, {"-p", mainParam},
	{"-P", masterParam}, {"-t", dumpDSNTempl}, {"-T", showTLS}, {"-x", showEval},
	{"-X", editExcl}, {"-#", commentOut},
}

func modeNames(mask int) string {
	var out []string
	for _, o := range optionNames {
		if mask&o.bit != 0 {
			out = append(out, o.name)
		}
	}
	return strings.Join(out, " ")
}

// checkExclusive is pcf_check_exclusive_options.
func checkExclusive(mode int) error {
	for _, set := range incompatOptions {
		if v := set & mode; v&(v-1) != 0 {
			return fmt.Errorf("specify one of %s", modeNames(v))
		}
	}
	return nil
}

// checkCompat is pcf_check_compat_options.
func checkCompat(mode int) error {
	for _, c := range compatOptions {
		if mode&c[0] == 0 {
			continue
		}
		if excess := mode &^ (c[0] | c[1]); excess != 0 {
			return fmt.Errorf("with option %s, do not specify %s", modeNames(c[0]), modeNames(excess))
		}
	}
	return nil
}

// options holds the parsed command line.
type options struct {
	mode       int
	configDir  string // -c, "" when not given
	classMask  int    // -C
	overrides  []string
	tlsArg     string
	args       []string // name... after the options
	bounceArgs bool     // -b or -t given
}

// getoptSpec is postconf's option string; 'E' is accepted by getopt but
// has no meaning, so it ends in the usage message as in Postfix.
const getoptSpec = "aAbc:C:deEfFhHlmMno:pPtT:vxX#"

// parseOptions parses args as GNU getopt with "+" (stop at the first
// non-option) and applies each option as postconf.c main() does.
func (s *session) parseOptions(args []string) (*options, error) {
	o := &options{classMask: paramMaskClass}
	i := 0
	for i < len(args) {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		i++
		for j := 1; j < len(a); j++ {
			c := a[j]
			k := strings.IndexByte(getoptSpec, c)
			if k < 0 || c == ':' {
				fmt.Fprintf(s.stderr, "%s: invalid option -- '%c'\n", s.prog, c)
				return nil, s.usage()
			}
			if cstr.At(getoptSpec, k+1) != ':' {
				if err := s.applyFlag(o, c); err != nil {
					return nil, err
				}
				continue
			}
			val := a[j+1:]
			if val == "" {
				if i >= len(args) {
					fmt.Fprintf(s.stderr, "%s: option requires an argument -- '%c'\n", s.prog, c)
					return nil, s.usage()
				}
				val, i = args[i], i+1
			}
			if err := s.applyValue(o, c, val); err != nil {
				return nil, err
			}
			break
		}
	}
	o.args = args[i:]
	return o, nil
}

func (s *session) applyFlag(o *options, c byte) error {
	bits := map[byte]int{
		'a': showSASLServ, 'A': showSASLClnt, 'd': showDefs, 'e': editConf,
		'f': foldLine, 'F': masterFld, '#': commentOut, 'h': hideName,
		'H': hideValue, 'l': showLocks, 'm': showMaps, 'M': masterEntry,
		'n': showNondef, 'p': mainParam, 'P': masterParam, 'x': showEval,
		'X': editExcl,
	}
	switch c {
	case 'b', 't':
		if o.bounceArgs {
			return fmt.Errorf("specify one of -b and -t")
		}
		o.bounceArgs = true
		if c == 'b' {
			o.mode |= expDSNTempl
		} else {
			o.mode |= dumpDSNTempl
		}
	case 'v':
		// XXX: -v (verbose logging) is accepted and ignored.
	default:
		bit, ok := bits[c]
		if !ok {
			return s.usage()
		}
		o.mode |= bit
	}
	return nil
}

func (s *session) applyValue(o *options, c byte, val string) error {
	switch c {
	case 'c':
		o.configDir = val
	case 'C':
		m, err := parseClassMask(val)
		if err != nil {
			return err
		}
		o.classMask = m
	case 'o':
		o.mode |= mainOver
		o.overrides = append(o.overrides, val)
	case 'T':
		if o.mode&showTLS != 0 {
			return fmt.Errorf("At most one -T <mode> option may be specified")
		}
		o.mode |= showTLS
		o.tlsArg = val
	}
	return nil
}

// parseClassMask parses the -C argument, a list of builtin, service,
// user, all (name_mask_opt with NAME_MASK_ANY_CASE|NAME_MASK_FATAL).
func parseClassMask(val string) (int, error) {
	names := map[string]int{"builtin": paramFlagBuiltin, "service": paramFlagService,
		"user": paramFlagUser, "all": paramMaskClass}
	mask := 0
	rest := val
	for {
		tok, ok := mystrtok(&rest, charsCommaSP)
		if !ok {
			return mask, nil
		}
		bit, known := names[strings.ToLower(tok)]
		if !known {
			return 0, fmt.Errorf("unknown -C option value \"%s\" in \"%s\"", tok, val)
		}
		mask |= bit
	}
}

// usage is postconf's usage message, a fatal error.
func (s *session) usage() error {
	return fmt.Errorf("usage: %s"+
		" [-a (server SASL types)]"+
		" [-A (client SASL types)]"+
		" [-b (bounce templates)]"+
		" [-c config_dir]"+
		" [-c param_class]"+
		" [-d (parameter defaults)]"+
		" [-e (edit configuration)]"+
		" [-f (fold lines)]"+
		" [-F (master.cf fields)]"+
		" [-h (no names)]"+
		" [-H (no values)]"+
		" [-l (lock types)]"+
		" [-m (map types)]"+
		" [-M (master.cf)]"+
		" [-n (non-default parameters)]"+
		" [-o name=value (override parameter value)]"+
		" [-p (main.cf, default)]"+
		" [-P (master.cf parameters)]"+
		" [-t (bounce templates)]"+
		" [-T compile-version|run-version|public-key-algorithms]"+
		" [-v (verbose)]"+
		" [-x (expand parameter values)]"+
		" [-X (exclude)]"+
		" [-# (comment-out)]"+
		" [name...]", s.prog)
}
