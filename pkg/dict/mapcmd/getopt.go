package mapcmd

import "fmt"

// getopt parses POSIX options ("+" mode: stop at the first operand) the
// way Postfix's GETOPT does. spec lists the letters; a letter followed
// by ':' takes an argument. It returns the options in order and the
// operands; a bad option yields glibc's message.
type opt struct {
	c   byte
	arg string
}

func getopt(args []string, spec string) ([]opt, []string, error) {
	takes := map[byte]bool{}
	known := map[byte]bool{}
	for i := 0; i < len(spec); i++ {
		known[spec[i]] = true
		if i+1 < len(spec) && spec[i+1] == ':' {
			takes[spec[i]] = true
			i++
		}
	}
	var opts []opt
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
				opts = append(opts, opt{c: c})
				continue
			}
			if j+1 < len(a) {
				opts = append(opts, opt{c, a[j+1:]})
			} else if i+1 < len(args) {
				i++
				opts = append(opts, opt{c, args[i]})
			} else {
				return nil, nil, fmt.Errorf("option requires an argument -- '%c'", c)
			}
			break
		}
	}
	return opts, args[i:], nil
}
