package mapcmd

import (
	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/getopt"
)

// tool describes what differs between postmap and postalias.
type tool struct {
	spec     string // getopt letters
	usage    string
	conflict string // message for more than one of -d -q -s
	pairFmt  string // output format of -s and -q - lines
	alias    bool
}

var postmapTool = tool{
	spec:     "bc:d:fFhimnNopq:rsuUvw",
	usage:    "[-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...",
	conflict: "specify only one of -s -q or -d",
	pairFmt:  "%s\t%s\n",
}

// Postmap is postmap(1).
func Postmap(env Env) int {
	return run(env, func(p *prog) error { return postmapMain(p, postmapTool, env.Args) })
}

// settings are the parsed command line.
type settings struct {
	flags               dict.Flags
	query, delkey       string
	hasQuery, hasDel    bool
	seq, incr           bool
	bodyKey, headerKey  bool
	mimeKey, forceUTF8  bool
	noUTF8              bool
	keepOwner, savePerm bool
	rhsIsFile           bool
	configDir           string
	maps                []string
}

func parseArgs(p *prog, t tool, args []string) (*settings, error) {
	s := &settings{flags: dict.DupWarn | dict.FoldFix, keepOwner: true, savePerm: true}
	opts, rest, err := getopt.Parse(args[1:], t.spec)
	if err != nil {
		p.env.Stderr.Write([]byte(p.name + ": " + err.Error() + "\n"))
		return nil, fatalf("usage: %s %s", p.name, t.usage)
	}
	for _, o := range opts {
		if err := s.apply(o, t); err != nil {
			return nil, err
		}
	}
	s.maps = rest
	return s, nil
}

func (s *settings) apply(o getopt.Opt, t tool) error {
	switch o.C {
	case 'b':
		s.bodyKey = true
	case 'h':
		s.headerKey = true
	case 'm':
		s.mimeKey = true
	case 'c':
		s.configDir = o.Arg
	case 'd', 'q':
		if s.seq || s.hasQuery || s.hasDel {
			return fatalf("%s", t.conflict)
		}
		if o.C == 'd' {
			s.delkey, s.hasDel = o.Arg, true
		} else {
			s.query, s.hasQuery = o.Arg, true
		}
	case 's':
		if s.hasQuery || s.hasDel {
			return fatalf("specify only one of -s or -q or -d")
		}
		s.seq = true
	case 'f':
		s.flags &^= dict.FoldFix
	case 'F':
		s.rhsIsFile = true
	case 'i':
		s.incr = true
	case 'o':
		s.keepOwner = false
	case 'p':
		s.savePerm = false
	case 'r':
		s.flags = s.flags&^(dict.DupWarn|dict.DupIgnore) | dict.DupReplace
	case 'w':
		s.flags = s.flags&^(dict.DupWarn|dict.DupReplace) | dict.DupIgnore
	case 'u':
		s.noUTF8 = true
	case 'U':
		s.forceUTF8 = true
	case 'n', 'N', 'v':
		// -n/-N choose whether Berkeley DB keys carry a trailing
		// NUL; Postern's format stores lengths, so both read alike.
	}
	return nil
}

func postmapMain(p *prog, t tool, args []string) error {
	s, err := parseArgs(p, t, args)
	if err != nil {
		return err
	}
	if err := p.loadConfig(s.configDir); err != nil {
		return err
	}
	if !s.noUTF8 && utf8Enabled(p.cfg) {
		s.flags |= dict.Utf8
	}
	if err := checkKeyModes(p, s); err != nil {
		return err
	}
	if len(s.maps) == 0 {
		return fatalf("usage: %s %s", p.name, t.usage)
	}
	switch {
	case s.hasDel:
		return deleteCmd(p, t, s)
	case s.hasQuery:
		return queryCmd(p, t, s)
	case s.seq:
		return seqCmd(p, t, s)
	}
	return buildCmd(p, t, s)
}

// checkKeyModes validates -b -h -m as postmap does.
func checkKeyModes(p *prog, s *settings) error {
	anyKey := s.bodyKey || s.headerKey || s.mimeKey
	if anyKey && (!s.hasQuery || s.query != "-") {
		return fatalf("specify -b -h or -m only with \"-q -\"")
	}
	if s.mimeKey && !s.bodyKey && !s.headerKey {
		p.warn("ignoring -m option without -b or -h")
	}
	if s.mimeKey && (s.bodyKey || s.headerKey) {
		// XXX: MIME-aware key extraction (nested headers, MIME
		// boundaries) is not implemented.
		return fatalf("option -m (MIME-aware key extraction) is not supported by this postmap")
	}
	if (s.bodyKey || s.headerKey) && !s.forceUTF8 {
		s.flags &^= dict.Utf8
	}
	return nil
}
