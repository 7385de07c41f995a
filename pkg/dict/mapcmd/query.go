package mapcmd

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/postern/postern/pkg/dict"
)

// queryCmd is -q key (first map with a hit wins, exit 0; else exit 1)
// and -q - (keys from stdin, "key<TAB>value" per hit).
func queryCmd(p *prog, t tool, s *settings) error {
	if s.query == "-" {
		return queryStdin(p, t, s)
	}
	for _, m := range s.maps {
		typ, name := p.splitSpec(m)
		d, err := p.open(typ, name, s.flags|dict.Lock)
		if err != nil {
			return err
		}
		v, ok, err := p.lookup(d, typ, name, s.query, s)
		d.Close()
		if err != nil {
			return err
		}
		if ok {
			fmt.Fprintf(p.env.Stdout, "%s\n", v)
			return nil
		}
	}
	return exitCode(1)
}

// lookup does one query with postmap's warnings and -F decoding.
func (p *prog) lookup(d dict.Dict, typ, name, key string, s *settings) (string, bool, error) {
	v, ok, err := d.Lookup(key)
	if err != nil {
		return "", false, fatalf("%s", queryErrText(typ, name, err))
	}
	if !ok {
		return "", false, nil
	}
	if v == "" {
		p.warnf("table %s:%s: key %s: empty string result is not allowed", typ, name, key)
		p.warnf("table %s:%s should return NO RESULT in case of NOT FOUND", typ, name)
	}
	if s.rhsIsFile {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", false, fatalf("table %s:%s: key %s: malformed BASE64 value: %s", typ, name, key, v)
		}
		v = string(b)
	}
	return v, true, nil
}

func queryErrText(typ, name string, err error) string {
	msg := errText(err)
	if strings.HasPrefix(msg, "table ") {
		return msg
	}
	return fmt.Sprintf("table %s:%s: query error: %s", typ, name, msg)
}

// lazyMaps opens the maps of a -q - run on first use, as postmap does.
type lazyMaps struct {
	p     *prog
	s     *settings
	dicts []dict.Dict
}

func (l *lazyMaps) get(i int) (dict.Dict, error) {
	if l.dicts == nil {
		l.dicts = make([]dict.Dict, len(l.s.maps))
	}
	if l.dicts[i] == nil {
		typ, name := l.p.splitSpec(l.s.maps[i])
		d, err := l.p.open(typ, name, l.s.flags|dict.Lock)
		if err != nil {
			return nil, err
		}
		l.dicts[i] = d
	}
	return l.dicts[i], nil
}

// find prints "key<TAB>value" for the first map with a hit.
func (l *lazyMaps) find(t tool, key string) (bool, error) {
	for i, m := range l.s.maps {
		d, err := l.get(i)
		if err != nil {
			return false, err
		}
		typ, name := l.p.splitSpec(m)
		v, ok, err := l.p.lookup(d, typ, name, key, l.s)
		if err != nil {
			return false, err
		}
		if ok {
			fmt.Fprintf(l.p.env.Stdout, t.pairFmt, key, v)
			return true, nil
		}
	}
	return false, nil
}

func (l *lazyMaps) close() {
	for _, d := range l.dicts {
		if d != nil {
			d.Close()
		}
	}
}

func queryStdin(p *prog, t tool, s *settings) error {
	l := &lazyMaps{p: p, s: s}
	defer l.close()
	var keys func(func(string) (bool, error)) (bool, error)
	if s.bodyKey || s.headerKey {
		keys = func(fn func(string) (bool, error)) (bool, error) {
			return messageKeys(p.stdin(), s.headerKey, s.bodyKey, fn)
		}
	} else {
		keys = func(fn func(string) (bool, error)) (bool, error) {
			return lineKeys(bufio.NewReader(p.stdin()), fn)
		}
	}
	found, err := keys(func(k string) (bool, error) { return l.find(t, k) })
	if err != nil {
		return err
	}
	if !found {
		return exitCode(1)
	}
	return nil
}

// lineKeys calls fn for each input line (without its newline).
func lineKeys(r *bufio.Reader, fn func(string) (bool, error)) (bool, error) {
	found := false
	for {
		line, err := r.ReadString('\n')
		if line == "" && err != nil {
			return found, nil
		}
		ok, ferr := fn(strings.TrimSuffix(line, "\n"))
		if ferr != nil {
			return found, ferr
		}
		found = found || ok
	}
}
