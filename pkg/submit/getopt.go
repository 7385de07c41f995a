package submit

import (
	"fmt"
	"io"
	"strings"
)

// Getopt is POSIX getopt(3) as glibc runs it with a leading "+" in the
// option string (Postfix's GETOPT() on Linux): no argument permutation,
// options end at the first non-option, "-" or after "--", and an
// unknown option or a missing argument is reported on stderr as glibc
// does and returned as '?'.
type Getopt struct {
	Args     []string
	spec     string
	Optind   int       // next argument to look at
	Nextchar int       // position inside Args[Optind]; 0 = at its start
	Prog     string    // the program name of complaints
	Stderr   io.Writer // where complaints go; nil: nowhere
}

// NewGetopt starts parsing args (args[0] is the program name) with the
// getopt(3) option string spec.
func NewGetopt(args []string, spec string) *Getopt {
	prog := "getopt"
	if len(args) > 0 {
		prog = args[0]
	}
	return &Getopt{Args: args, spec: spec, Optind: 1, Prog: prog}
}

// Next returns the next option and its argument; ok is false when the
// options end (Optind then indexes the first operand).
func (g *Getopt) Next() (c byte, arg string, ok bool) {
	if g.Nextchar == 0 {
		if g.Optind >= len(g.Args) {
			return 0, "", false
		}
		a := g.Args[g.Optind]
		if a == "--" {
			g.Optind++
			return 0, "", false
		}
		if len(a) < 2 || a[0] != '-' {
			return 0, "", false
		}
		g.Nextchar = 1
	}
	a := g.Args[g.Optind]
	c = a[g.Nextchar]
	g.Nextchar++
	i := strings.IndexByte(g.spec, c)
	if c == ':' || i < 0 {
		g.complain("invalid option -- '%c'", c)
		g.advanceIfDone()
		return '?', "", true
	}
	if i+1 >= len(g.spec) || g.spec[i+1] != ':' {
		g.advanceIfDone()
		return c, "", true
	}
	return g.argument(c)
}

func (g *Getopt) argument(c byte) (byte, string, bool) {
	a := g.Args[g.Optind]
	if g.Nextchar < len(a) {
		arg := a[g.Nextchar:]
		g.Optind++
		g.Nextchar = 0
		return c, arg, true
	}
	g.Optind++
	g.Nextchar = 0
	if g.Optind >= len(g.Args) {
		g.complain("option requires an argument -- '%c'", c)
		return '?', "", true
	}
	arg := g.Args[g.Optind]
	g.Optind++
	return c, arg, true
}

func (g *Getopt) advanceIfDone() {
	if g.Nextchar >= len(g.Args[g.Optind]) {
		g.Optind++
		g.Nextchar = 0
	}
}

func (g *Getopt) complain(format string, c byte) {
	if g.Stderr != nil {
		fmt.Fprintf(g.Stderr, "%s: "+format+"\n", g.Prog, c)
	}
}

// Operands returns the arguments after the options.
func (g *Getopt) Operands() []string {
	if g.Optind >= len(g.Args) {
		return nil
	}
	return g.Args[g.Optind:]
}
