package dict

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/sys/unix"
)

// Builder collects the entries of an indexed table in memory, in the
// order they were added, and writes them to disk atomically.
type Builder struct {
	entries []hashEntry
	index   []int32 // open addressing over entries; -1 = empty
	mask    uint64
	fold    bool
}

// NewBuilder returns an empty builder. fold lower-cases keys (the
// default; postmap -f turns it off).
func NewBuilder(fold bool) *Builder {
	b := &Builder{fold: fold}
	b.rehash(16)
	return b
}

// Len returns the number of distinct keys.
func (b *Builder) Len() int { return len(b.entries) }

func (b *Builder) rehash(n uint64) {
	b.index = make([]int32, n)
	for i := range b.index {
		b.index[i] = -1
	}
	b.mask = n - 1
	for i := range b.entries {
		b.place(int32(i))
	}
}

func (b *Builder) place(i int32) {
	for s := b.entries[i].hash & b.mask; ; s = (s + 1) & b.mask {
		if b.index[s] < 0 {
			b.index[s] = i
			return
		}
	}
}

// find returns the position of key in entries or -1.
func (b *Builder) find(key string, h uint64) int32 {
	for s := h & b.mask; ; s = (s + 1) & b.mask {
		i := b.index[s]
		if i < 0 {
			return -1
		}
		if b.entries[i].hash == h && b.entries[i].key == key {
			return i
		}
	}
}

// Add stores key/value. dup reports that the key was already present;
// replace says whether the new value then replaces the old one.
func (b *Builder) Add(key, value string, replace bool) (dup bool) {
	if b.fold {
		key = foldKey(key)
	}
	h := xxhash.Sum64String(key)
	if i := b.find(key, h); i >= 0 {
		if replace {
			b.entries[i].value = value
		}
		return true
	}
	b.entries = append(b.entries, hashEntry{key: key, value: value, hash: h})
	if uint64(len(b.entries))*2 > b.mask+1 {
		b.rehash((b.mask + 1) * 2)
	} else {
		b.place(int32(len(b.entries) - 1))
	}
	return false
}

// Delete removes key; it reports whether the key was present.
func (b *Builder) Delete(key string) bool {
	if b.fold {
		key = foldKey(key)
	}
	i := b.find(key, xxhash.Sum64String(key))
	if i < 0 {
		return false
	}
	b.entries = append(b.entries[:i], b.entries[i+1:]...)
	b.rehash(b.mask + 1)
	return true
}

// LoadFile adds the entries of an existing table file (for postmap -i
// and -d, which update a table by rewriting it).
func (b *Builder) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	t, err := parseHashFile(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return t.seq(func(k, v []byte) bool {
		b.Add(string(k), string(v), true)
		return true
	})
}

// WriteOptions control how the table file is created.
type WriteOptions struct {
	Mode     os.FileMode // permission bits of the new file
	UID, GID int         // owner; -1 leaves the creating user
}

// WriteFile replaces path atomically: the table is written to a
// temporary file in the same directory, flushed to disk (fsync), given
// its mode and owner, renamed over path, and the directory is synced.
// A reader sees the old table or the new one, never a partial one.
func (b *Builder) WriteFile(path string, wo WriteOptions) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = writeHashFile(f, b.entries, b.fold); err != nil {
		return err
	}
	if err = f.Chmod(wo.Mode); err != nil {
		return err
	}
	if wo.UID >= 0 || wo.GID >= 0 {
		if err = f.Chown(wo.UID, wo.GID); err != nil {
			return err
		}
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Fsync(fd)
}
