package mapcmd

import (
	"errors"

	"github.com/postern/postern/pkg/dict"
)

func buildCmd(p *prog, t tool, s *settings) error {
	for _, m := range s.maps {
		typ, name := p.splitSpec(m)
		if typ == "proxy" {
			return fatalf("can't create maps via the proxy service")
		}
		if _, ok := dict.IndexedFile(typ, name); !ok {
			return unsupportedCreate(typ)
		}
		var err error
		if s.incr {
			err = incrementalCmd(p, t, s, typ, name)
		} else {
			err = buildOne(p, t, s, typ, name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func unsupportedCreate(typ string) error {
	for _, known := range dict.Types() {
		if known == typ {
			return fatalf("unsupported dictionary type: %s does not support bulk-mode creation.", typ)
		}
	}
	return fatalf("unsupported dictionary type: %s. Is the postfix-%s package installed?", typ, typ)
}

func (p *prog) buildOptions(s *settings) dict.BuildOptions {
	return dict.BuildOptions{
		Flags:     s.flags,
		KeepPerm:  s.savePerm,
		AsOwner:   s.keepOwner,
		RHSIsFile: s.rhsIsFile,
		Warn:      p.warn,
		Hostname:  p.cfg.Get("myhostname"),
	}
}

func buildOne(p *prog, t tool, s *settings, typ, name string) error {
	o := p.buildOptions(s)
	var err error
	if t.alias {
		err = dict.BuildAliases(typ, name, o)
	} else {
		err = dict.BuildMap(typ, name, o)
	}
	var me *dict.MalformedError
	if errors.As(err, &me) {
		return fatalf("%s", me.Error())
	}
	if err != nil {
		return fatalf("%s", errText(err))
	}
	return nil
}

// incrementalCmd is -i: add source lines from stdin to the table.
func incrementalCmd(p *prog, t tool, s *settings, typ, name string) error {
	err := dict.UpdateFromReader(typ, name, p.stdin(), "stdin", t.alias, p.buildOptions(s))
	var me *dict.MalformedError
	if errors.As(err, &me) {
		return fatalf("%s", me.Error())
	}
	if err != nil {
		return fatalf("%s", errText(err))
	}
	return nil
}
