package dict

import (
	"fmt"
	"strings"
)

func init() {
	register("unionmap", func(name string, opts Options) (Dict, error) {
		return openComposite("unionmap", name, opts)
	})
	register("pipemap", func(name string, opts Options) (Dict, error) {
		return openComposite("pipemap", name, opts)
	})
}

// compositeDict is unionmap:{t1, t2, ...} (all results joined with ",",
// util/dict_union.c) or pipemap:{t1, t2, ...} (each result is the next
// table's key; any miss is a miss, util/dict_pipe.c). The first table
// decides whether the composite counts as fixed or pattern.
type compositeDict struct {
	typ, name string
	parts     []Dict
	flags     Flags
}

func openComposite(typ, name string, opts Options) (Dict, error) {
	bad := fmt.Errorf("bad syntax: \"%s:%s\"; need \"%s:{type:name...}\"", typ, name, typ)
	n := balpar(name)
	if n == 0 || n != len(name) {
		return nil, bad
	}
	specs := tokenizeQ(name[1:n-1], sepCommaSpace)
	if len(specs) == 0 {
		return nil, bad
	}
	for _, s := range specs {
		if !strings.Contains(s, ":") {
			return nil, bad
		}
	}
	d := &compositeDict{typ: typ, name: name}
	for _, s := range specs {
		t, err := Open(s, opts)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.parts = append(d.parts, t)
	}
	d.flags = FlagsOf(d.parts[0]) & (Fixed | Pattern)
	return d, nil
}

func (d *compositeDict) Lookup(key string) (string, bool, error) {
	if d.typ == "pipemap" {
		return d.pipe(key)
	}
	var sb strings.Builder
	for _, t := range d.parts {
		v, ok, err := t.Lookup(key)
		if err != nil {
			return "", false, err
		}
		if ok {
			if sb.Len() > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(v)
		}
	}
	return sb.String(), sb.Len() > 0, nil
}

func (d *compositeDict) pipe(key string) (string, bool, error) {
	for _, t := range d.parts {
		v, ok, err := t.Lookup(key)
		if err != nil || !ok {
			return "", false, err
		}
		key = v
	}
	return key, true, nil
}

func (d *compositeDict) Flags() Flags { return d.flags }

func (d *compositeDict) Close() error {
	var first error
	for _, t := range d.parts {
		if err := t.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
