// Package getopt parses POSIX command-line options the way Postfix's
// commands do with GETOPT (glibc getopt(3) in "+" mode: options stop at
// the first operand or after "--"), for postmap, postalias,
// postsuper and postqueue.
package getopt

import "fmt"

// Opt is one option, in command-line order; Arg is its argument when its
// letter takes one.
type Opt struct {
	C   byte
	Arg string
}

// Parse reads the options of args (without the program name). spec lists
// the letters; a letter followed by ':' takes an argument, either the
// rest of the word or the next word. It returns the options in order and
// the operands; a bad option gives glibc's message ("invalid option --
// 'x'", "option requires an argument -- 'x'").
func Parse(args []string, spec string) ([]Opt, []string, error) {
	takes := map[byte]bool{}
	known := map[byte]bool{}
	for i := 0; i < len(spec); i++ {
		known[spec[i]] = true
		if i+1 < len(spec) && spec[i+1] == ':' {
			takes[spec[i]] = true
			i++
		}
	}
	var opts []Opt
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			if !known[c] {
				return nil, nil, fmt.Errorf("invalid option -- '%c'", c)
			}
			if !takes[c] {
				opts = append(opts, Opt{C: c})
				continue
			}
			if j+1 < len(a) {
				opts = append(opts, Opt{c, a[j+1:]})
			} else if i+1 < len(args) {
				i++
				opts = append(opts, Opt{c, args[i]})
			} else {
				return nil, nil, fmt.Errorf("option requires an argument -- '%c'", c)
			}
			break
		}
	}
	return opts, args[i:], nil
}
