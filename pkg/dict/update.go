package dict

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// UpdateFromReader adds source lines read from r to table typ:name
// (postmap -i / postalias -i), creating the table when it does not
// exist. Keys already in the table are handled per o.Flags (DupWarn
// keeps the old value with a warning, DupReplace replaces it). aliases
// selects the aliases(5) line format and adds the "@" "@" entry.
func UpdateFromReader(typ, name string, r io.Reader, srcName string, aliases bool, o BuildOptions) error {
	out, ok := IndexedFile(typ, name)
	if !ok {
		return unsupportedBuild(typ, name)
	}
	unlock, err := lockDir(filepath.Dir(out))
	if err != nil {
		return err
	}
	defer unlock()
	b := NewBuilder(o.Flags&FoldFix != 0)
	wo, err := loadExisting(b, out)
	if err != nil {
		return err
	}
	format := mapFormat(o)
	if aliases {
		format = aliasFormat(o)
	}
	bad, err := readSource(b, r, srcName, out, o, format)
	if err != nil {
		return err
	}
	if bad > 0 {
		return &MalformedError{Source: srcName, Count: bad, Table: out}
	}
	if aliases {
		b.Add("@", "@", true)
	}
	return b.WriteFile(out, wo)
}

// loadExisting reads the current table into b and returns its mode and
// owner; a missing table gives an empty builder and mode 0644.
func loadExisting(b *Builder, out string) (WriteOptions, error) {
	var st unix.Stat_t
	if err := unix.Stat(out, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return WriteOptions{Mode: 0644, UID: -1, GID: -1}, nil
		}
		return WriteOptions{}, fmt.Errorf("open database %s: %w", out, err)
	}
	if err := b.LoadFile(out); err != nil {
		return WriteOptions{}, fmt.Errorf("open database %s: %w", out, err)
	}
	return WriteOptions{Mode: os.FileMode(st.Mode & 0777), UID: int(st.Uid), GID: int(st.Gid)}, nil
}

// DeleteKeys removes keys from table typ:name (postmap -d). It reports
// whether any key was present. A table that does not exist is an error,
// as in Postfix.
func DeleteKeys(typ, name string, keys []string, o BuildOptions) (bool, error) {
	out, ok := IndexedFile(typ, name)
	if !ok {
		return false, fmt.Errorf("%s:%s map requires O_RDONLY access mode", typ, name)
	}
	unlock, err := lockDir(filepath.Dir(out))
	if err != nil {
		return false, err
	}
	defer unlock()
	if _, err := os.Stat(out); err != nil {
		return false, fmt.Errorf("open database %s: %w", out, unwrapPathErr(err))
	}
	b := NewBuilder(o.Flags&FoldFix != 0)
	wo, err := loadExisting(b, out)
	if err != nil {
		return false, err
	}
	found := false
	for _, k := range keys {
		if b.Delete(k) {
			found = true
		}
	}
	if !found {
		return false, nil
	}
	return true, b.WriteFile(out, wo)
}
