package dict

import (
	"fmt"
	"os"
	"strings"
)

// memDict is an in-memory table with fixed-string keys, used by
// texthash: and inline: (Postfix's dict_ht "internal" table).
type memDict struct {
	typ, name string
	fold      bool
	m         map[string]string
	order     []string // keys in insertion order, for Seq
}

func newMemDict(typ, name string, opts Options) *memDict {
	return &memDict{typ: typ, name: name, fold: opts.Flags&FoldFix != 0, m: map[string]string{}}
}

func (d *memDict) key(k string) string {
	if d.fold {
		return foldKey(k)
	}
	return k
}

// put stores k=v; replace decides whether an existing value is replaced.
func (d *memDict) put(k, v string, replace bool) (dup bool) {
	k = d.key(k)
	if _, dup = d.m[k]; !dup {
		d.order = append(d.order, k)
	} else if !replace {
		return true
	}
	d.m[k] = v
	return dup
}

func (d *memDict) Lookup(key string) (string, bool, error) {
	v, ok := d.m[d.key(key)]
	return v, ok, nil
}

func (d *memDict) Seq(fn func(key, value string) bool) error {
	for _, k := range d.order {
		if !fn(k, d.m[k]) {
			break
		}
	}
	return nil
}

func (d *memDict) Flags() Flags { return Fixed }
func (d *memDict) Close() error { return nil }

func init() {
	register("texthash", openTexthash)
	register("inline", openInline)
}

// openTexthash reads a postmap(1) source file into memory
// (util/dict_thash.c). Duplicate keys: first wins, with a warning when
// opts.Flags has DupWarn; without any Dup* flag a duplicate makes the
// table fail, as in Postfix. Malformed lines make the table fail (a
// Postern compromise: Postfix skips them with a warning).
func openTexthash(name string, opts Options) (Dict, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	d := newMemDict("texthash", name, opts)
	lr := NewLineReader(f, name, opts.Warn)
	for {
		line, lineno, ok, err := lr.Next()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if !ok {
			return d, nil
		}
		if opts.Flags&Utf8 != 0 {
			if p := utf8Problem(line); p != "" {
				return nil, fmt.Errorf("%s, line %d: %s", name, lineno, p)
			}
		}
		k, v, problem := SplitKeyValue(line)
		if problem != "" {
			return nil, fmt.Errorf("%s, line %d: %s", name, lineno, problem)
		}
		if strings.HasSuffix(k, ":") {
			opts.warnf("%s, line %d: record is in \"key: value\" format; is this an alias file?", name, lineno)
		}
		if err := d.addDup(k, v, name, lineno, opts); err != nil {
			return nil, err
		}
	}
}

// addDup adds k=v applying the duplicate-key flags of opts.
func (d *memDict) addDup(k, v, file string, lineno int, opts Options) error {
	replace := opts.Flags&DupReplace != 0
	if !d.put(k, v, replace) {
		return nil
	}
	switch {
	case opts.Flags&(DupReplace|DupIgnore) != 0:
		return nil
	case opts.Flags&DupWarn != 0:
		opts.warnf("%s, line %d: duplicate entry: \"%s\"", file, lineno, d.key(k))
		return nil
	}
	return fmt.Errorf("%s, line %d: duplicate entry: \"%s\"", file, lineno, d.key(k))
}

// openInline parses inline:{ k1=v1, { k2 = text with spaces } }
// (util/dict_inline.c). A later duplicate replaces an earlier one.
func openInline(name string, opts Options) (Dict, error) {
	bad := func(why string) error {
		return fmt.Errorf("%s: \"inline:%s\"; need \"inline:{name=value...}\"", why, name)
	}
	n := balpar(name)
	if n == 0 || n != len(name) || name[1:n-1] == "" {
		return nil, fmt.Errorf("bad syntax: \"inline:%s\"; need \"inline:{name=value...}\"", name)
	}
	d := newMemDict("inline", name, opts)
	for _, nv := range tokenizeQ(name[1:n-1], sepCommaSpace) {
		if nv[0] == '{' {
			var e string
			if nv, e = extpar(nv); e != "" {
				return nil, bad(e)
			}
		}
		k, v, e := splitQNameVal(nv)
		if e != "" {
			return nil, bad(e)
		}
		d.put(k, v, true)
	}
	if len(d.m) == 0 {
		return nil, bad("empty table")
	}
	return d, nil
}
