package submit

import (
	"fmt"
	"io"
	"strings"
)

// getopt is POSIX getopt(3) as glibc runs it with a leading "+" in the
// option string (Postfix's GETOPT() on Linux): no argument permutation,
// options end at the first non-option, "-" or after "--", and an
// unknown option or a missing argument is reported on stderr as glibc
// does and returned as '?'.
type getopt struct {
	args     []string
	spec     string
	optind   int // next argument to look at
	nextchar int // position inside args[optind]; 0 = at its start
	prog     string
	stderr   io.Writer
}

func newGetopt(args []string, spec string) *getopt {
	prog := "getopt"
	if len(args) > 0 {
		prog = args[0]
	}
	return &getopt{args: args, spec: spec, optind: 1, prog: prog}
}

// next returns the next option and its argument; ok is false when the
// options end (optind then indexes the first operand).
func (g *getopt) next() (c byte, arg string, ok bool) {
	if g.nextchar == 0 {
		if g.optind >= len(g.args) {
			return 0, "", false
		}
		a := g.args[g.optind]
		if a == "--" {
			g.optind++
			return 0, "", false
		}
		if len(a) < 2 || a[0] != '-' {
			return 0, "", false
		}
		g.nextchar = 1
	}
	a := g.args[g.optind]
	c = a[g.nextchar]
	g.nextchar++
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

func (g *getopt) argument(c byte) (byte, string, bool) {
	a := g.args[g.optind]
	if g.nextchar < len(a) {
		arg := a[g.nextchar:]
		g.optind++
		g.nextchar = 0
		return c, arg, true
	}
	g.optind++
	g.nextchar = 0
	if g.optind >= len(g.args) {
		g.complain("option requires an argument -- '%c'", c)
		return '?', "", true
	}
	arg := g.args[g.optind]
	g.optind++
	return c, arg, true
}

func (g *getopt) advanceIfDone() {
	if g.nextchar >= len(g.args[g.optind]) {
		g.optind++
		g.nextchar = 0
	}
}

func (g *getopt) complain(format string, c byte) {
	if g.stderr != nil {
		fmt.Fprintf(g.stderr, "%s: "+format+"\n", g.prog, c)
	}
}

// operands returns the arguments after the options.
func (g *getopt) operands() []string {
	if g.optind >= len(g.args) {
		return nil
	}
	return g.args[g.optind:]
}
