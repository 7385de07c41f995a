package sendmail

import (
	"github.com/postern/postern/pkg/submit"

	"os"
	"path/filepath"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// Modes of operation (sendmail.c SM_MODE_*).
const (
	modeEnqueue  = iota + 1 // deliver mail (default)
	modeNewAlias            // newaliases, -bi, -I
	modeMailq               // mailq, -bp
	modeDaemon              // -bd, -bl: postfix start
	modeUser                // -bs: SMTP on stdin/stdout
	modeFlushQ              // -q
	modeIgnore              // -bh, -bH
)

// optionList is Postfix's GETOPT_LIST; -q alone is handled apart.
const optionList = "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx"

// smOptions are the parsed command line.
type smOptions struct {
	mode       int
	aeof       bool // a line with only "." ends the input
	extract    bool // -t
	userVerify bool // -bv
	record     bool // one -v: a delivery status report
	verbose    int
	sender     string
	senderSet  bool
	fullName   string
	fullSet    bool
	encoding   string
	rewrite    string
	notify     int
	ret        string
	envid      string
	verp       bool
	site, id   string // -qR, -qI
	qtime      string // -q<interval>
	aliasMap   string // -oA
	operands   []string
}

// configPrescan finds -C before main.cf is read and sets $MAIL_CONFIG;
// a non-default directory given by an ordinary user must be authorized
// in the default main.cf. getopt complaints are printed here too, as
// Postfix's pre-scan prints them.
func configPrescan(r *submit.Reporter, args []string) error {
	g := submit.NewGetopt(args, optionList)
	g.Prog, g.Stderr = r.Tag, r.Stderr
	for g.Optind < len(args) {
		if g.Nextchar == 0 && args[g.Optind] == "-q" {
			g.Optind++
			continue
		}
		c, arg, ok := g.Next()
		if !ok {
			break
		}
		if c != 'C' {
			continue
		}
		dir := arg
		if filepath.Base(arg) == "main.cf" {
			dir = filepath.Dir(arg)
		}
		if dir != config.DefaultConfigDirectory && os.Geteuid() != 0 {
			if err := submit.CheckConfigDir(r, dir, submit.ExTempFail); err != nil {
				return err
			}
		}
		os.Setenv("MAIL_CONFIG", dir)
	}
	return nil
}

// parseOptions is the main option loop of sendmail.c. mode is the mode
// the program name implies.
func parseOptions(r *submit.Reporter, cfg *config.Config, args []string, mode int) (*smOptions, error) {
	o := &smOptions{mode: mode, aeof: true, rewrite: "local"}
	if os.Getenv("MAIL_VERBOSE") != "" {
		o.verbose = 1
	}
	args = append([]string(nil), args...)
	g := submit.NewGetopt(args, optionList)
	g.Prog, g.Stderr = r.Tag, r.Stderr
	for g.Optind < len(args) {
		if g.Nextchar == 0 && o.special(r, cfg, g) {
			continue
		}
		c, arg, ok := g.Next()
		if !ok {
			break
		}
		if err := o.option(r, cfg, c, arg); err != nil {
			return nil, err
		}
	}
	o.operands = g.Operands()
	return o, nil
}

// special handles the arguments getopt cannot: "-q" alone and the old
// "-V xy" / "-Vxy" VERP forms. It reports whether it used an argument.
func (o *smOptions) special(r *submit.Reporter, cfg *config.Config, g *submit.Getopt) bool {
	a := g.Args[g.Optind]
	switch {
	case a == "-q":
		if o.mode == modeDaemon {
			r.Warn("ignoring -q option in daemon mode")
		} else {
			o.mode = modeFlushQ
		}
		g.Optind++
		return true
	case a == "-V" && g.Optind+1 < len(g.Args) && len(g.Args[g.Optind+1]) == 2:
		r.Warn("option -V is deprecated with Postfix 2.3; specify -XV instead")
		g.Args[g.Optind] = "-XV"
		a = "-XV"
	case strings.HasPrefix(a, "-V") && len(a) == 4:
		r.Warn("option %s is deprecated with Postfix 2.3; specify -X%s instead", a, a[1:])
		g.Args[g.Optind] = "-X" + a[1:]
	}
	if a == "-XV" {
		o.verp = true
		g.Optind++
		return true
	}
	return false
}
