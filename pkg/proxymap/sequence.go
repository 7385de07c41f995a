package proxymap

import (
	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/dict"
)

// cursor is a client's position in a table being listed. The entries
// are read when the listing starts (function 0) and handed out one per
// request.
type cursor struct {
	keys, values []string
	next         int
}

// sequence is proxymap_sequence_service.
func (s *Service) sequence(args attr.List, cur map[string]*cursor) attr.List {
	reply := func(st int, k, v string) attr.List {
		return attr.List{{Name: AttrStatus, Value: formatInt(st)}, {Name: AttrKey, Value: k}, {Name: AttrValue, Value: v}}
	}
	v, flags, ok := fields(args, AttrTable, AttrFlags, AttrFunction)
	if !ok {
		return reply(StatBad, "", "")
	}
	fn, ok := parseInt(v[2])
	if !ok || (fn != SeqFirst && fn != SeqNext) {
		return reply(StatBad, "", "")
	}
	d, name, st := s.find(v[0], flags)
	if st != StatOK {
		return reply(st, "", "")
	}
	c := cur[name]
	if fn == SeqFirst || c == nil {
		var err error
		if c, err = s.snapshot(name, d); err != nil {
			if isConfigError(err) {
				return reply(StatConfig, "", "")
			}
			return reply(StatRetry, "", "")
		}
		cur[name] = c
	}
	if c.next >= len(c.keys) {
		return reply(StatNoKey, "", "")
	}
	c.next++
	return reply(StatOK, c.keys[c.next-1], c.values[c.next-1])
}

func (s *Service) snapshot(name string, d dict.Dict) (*cursor, error) {
	sq, ok := d.(dict.Sequencer)
	if !ok {
		if sg, isSur := d.(surrogate); isSur {
			_, _, err := sg.Lookup("")
			return nil, err
		}
		s.warn("table %s: sequence operation is not supported", name)
		return nil, errConfig
	}
	c := &cursor{}
	err := sq.Seq(func(k, v string) bool {
		c.keys = append(c.keys, k)
		c.values = append(c.values, v)
		return true
	})
	return c, err
}
