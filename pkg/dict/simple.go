package dict

import (
	"fmt"
	"os"
	"strings"
)

func init() {
	register("static", openStatic)
	register("fail", openFail)
	register("environ", openEnviron)
}

// staticDict returns the same value for every key (util/dict_static.c):
// static:value or static:{ text with spaces }.
type staticDict struct{ value string }

func openStatic(name string, opts Options) (Dict, error) {
	v := name
	if strings.HasPrefix(name, "{") {
		var e string
		if v, e = extpar(name); e != "" {
			return nil, fmt.Errorf("bad static:name syntax: %s", e)
		}
	}
	return &staticDict{value: v}, nil
}

func (d *staticDict) Lookup(string) (string, bool, error) { return d.value, true, nil }
func (d *staticDict) Flags() Flags                        { return Fixed }
func (d *staticDict) Close() error                        { return nil }

// failDict fails every lookup (util/dict_fail.c), for testing how the
// rest of the system handles a table that is down.
type failDict struct{ name string }

func openFail(name string, opts Options) (Dict, error) { return &failDict{name: name}, nil }

func (d *failDict) Lookup(string) (string, bool, error) {
	return "", false, fmt.Errorf("table fail:%s: query error: Application error", d.name)
}
func (d *failDict) Flags() Flags { return Pattern }
func (d *failDict) Close() error { return nil }

// environDict looks keys up in the process environment
// (util/dict_env.c). Postfix programs keep only the variables listed in
// import_environment; the program that starts Postern does the same.
type environDict struct{}

func openEnviron(name string, opts Options) (Dict, error) { return environDict{}, nil }

func (environDict) Lookup(key string) (string, bool, error) {
	v, ok := os.LookupEnv(key)
	return v, ok, nil
}
func (environDict) Flags() Flags { return Fixed }
func (environDict) Close() error { return nil }
