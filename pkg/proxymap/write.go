package proxymap

import (
	"errors"
	"os"
	"strings"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/dict"
)

// update is proxymap_update_service (proxywrite only).
func (s *Service) update(args attr.List) attr.List {
	v, flags, ok := fields(args, AttrTable, AttrFlags, AttrKey, AttrValue)
	if !ok {
		return status(StatBad)
	}
	if !s.Writer {
		s.warn("refusing %s update request on non-%s service", v[0], ServiceWrite)
		return status(StatDeny)
	}
	return status(s.modify(v[0], flags, v[2], v[3], false))
}

// delete is proxymap_delete_service (proxywrite only).
func (s *Service) delete(args attr.List) attr.List {
	v, flags, ok := fields(args, AttrTable, AttrFlags, AttrKey)
	if !ok {
		return status(StatBad)
	}
	if !s.Writer {
		s.warn("refusing %s delete request on non-%s service", v[0], ServiceWrite)
		return status(StatDeny)
	}
	return status(s.modify(v[0], flags, v[2], "", true))
}

// modify changes one key of an indexed table by rewriting its file
// (pkg/dict tables are immutable files), then drops the open instances
// so that the next lookup reads the new file.
func (s *Service) modify(table string, flags int, key, value string, del bool) int {
	_, name, st := s.find(table, flags)
	if st != StatOK {
		return st
	}
	typ, file, _ := strings.Cut(name, ":")
	path, indexed := dict.IndexedFile(typ, file)
	if !indexed {
		s.warn("%s: Postern's proxywrite updates only hash, btree, cdb and lmdb tables", name)
		return StatConfig
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := dict.NewBuilder(flags&FlagFoldFix != 0)
	wo := dict.WriteOptions{Mode: 0o644, UID: -1, GID: -1}
	if st, err := os.Stat(path); err == nil {
		wo.Mode = st.Mode().Perm()
		if err := b.LoadFile(path); err != nil {
			s.warn("%s: %v", name, err)
			return StatConfig
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		s.warn("%s: %v", name, err)
		return StatRetry
	}
	if del {
		if !b.Delete(key) {
			return StatNoKey
		}
	} else {
		b.Add(key, value, true)
	}
	if err := b.WriteFile(path, wo); err != nil {
		s.warn("%s: update %s: %v", name, path, err)
		return StatRetry
	}
	for k, d := range s.tables {
		if strings.HasPrefix(k, name+"\x00") {
			d.Close()
			delete(s.tables, k)
		}
	}
	return StatOK
}
