package mapcmd

import (
	"bufio"
	"encoding/base64"
	"fmt"

	"github.com/postern/postern/pkg/dict"
)

// seqCmd is -s: list every entry of the first map.
func seqCmd(p *prog, t tool, s *settings) error {
	typ, name := p.splitSpec(s.maps[0])
	if typ == "proxy" {
		return fatalf("can't sequence maps via the proxy service")
	}
	d, err := p.open(typ, name, s.flags|dict.Lock)
	if err != nil {
		return err
	}
	defer d.Close()
	sq, ok := d.(dict.Sequencer)
	if !ok {
		return fatalf("table %s:%s: sequence operation is not supported", typ, name)
	}
	err = sq.Seq(func(k, v string) bool {
		p.printPair(t, s, typ, name, k, v)
		return true
	})
	if err != nil {
		return fatalf("%s", errText(err))
	}
	return nil
}

func (p *prog) printPair(t tool, s *settings, typ, name, k, v string) {
	if k == "" {
		p.warnf("table %s:%s: empty lookup key value is not allowed", typ, name)
	} else if v == "" {
		p.warnf("table %s:%s: key %s: empty string result is not allowed", typ, name, k)
		p.warnf("table %s:%s should return NO RESULT in case of NOT FOUND", typ, name)
	}
	if s.rhsIsFile {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			p.warnf("table %s:%s: key %s: malformed BASE64 value: %s", typ, name, k, v)
			return
		}
		v = string(b)
	}
	fmt.Fprintf(p.env.Stdout, t.pairFmt, k, v)
}

// deleteCmd is -d key (exit 0 when some map had the key) and -d -
// (keys from stdin).
func deleteCmd(p *prog, t tool, s *settings) error {
	keys := []string{s.delkey}
	if s.delkey == "-" {
		keys = nil
		sc := bufio.NewScanner(p.stdin())
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			keys = append(keys, sc.Text())
		}
	}
	found := false
	for _, m := range s.maps {
		typ, name := p.splitSpec(m)
		ok, err := dict.DeleteKeys(typ, name, keys, p.buildOptions(s))
		if err != nil {
			return fatalf("%s", errText(err))
		}
		found = found || ok
	}
	if !found {
		return exitCode(1)
	}
	return nil
}
