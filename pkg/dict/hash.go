package dict

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Indexed tables: hash:, btree:, cdb: and lmdb: all use Postern's own
// file format (hashfmt.go), built by postmap/postalias. The file name
// keeps Postfix's suffix so that administrators' scripts find it:
// name.db for hash and btree, name.cdb, name.lmdb.
var indexedSuffix = map[string]string{
	"hash":  ".db",
	"btree": ".db",
	"cdb":   ".cdb",
	"lmdb":  ".lmdb",
}

func init() {
	for typ := range indexedSuffix {
		register(typ, func(name string, opts Options) (Dict, error) {
			return openIndexed(typ, name, opts)
		})
	}
}

// IndexedFile returns the file that holds table typ:name and whether
// typ is an indexed (postmap-built) type.
func IndexedFile(typ, name string) (string, bool) {
	sfx, ok := indexedSuffix[typ]
	return name + sfx, ok
}

// reopenInterval bounds how often a reader stats its file to notice that
// postmap replaced it.
const reopenInterval = time.Second

// hashDict reads an mmap'ed table file. Long-running daemons keep it
// open; at most once per reopenInterval a lookup stats the file and, if
// its identity (device, inode, size, mtime) changed, maps the new file.
type hashDict struct {
	typ, name, path string
	fold            bool
	mu              sync.RWMutex
	m               *mapping
	nextCheck       atomic.Int64 // unix nanoseconds
}

type mapping struct {
	data  []byte
	table *hashTable
	ident fileIdent
}

type fileIdent struct {
	dev, ino  uint64
	size      int64
	mtimeNano int64
}

func identOf(st *unix.Stat_t) fileIdent {
	return fileIdent{uint64(st.Dev), st.Ino, st.Size, st.Mtim.Nano()}
}

func openIndexed(typ, name string, opts Options) (Dict, error) {
	path, _ := IndexedFile(typ, name)
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	d := &hashDict{typ: typ, name: name, path: path, fold: opts.Flags&FoldFix != 0, m: m}
	d.nextCheck.Store(time.Now().Add(reopenInterval).UnixNano())
	warnIfStale(name, path, m.ident, opts)
	return d, nil
}

// warnIfStale gives Postfix's warning when the source is newer.
func warnIfStale(src, path string, id fileIdent, opts Options) {
	var st unix.Stat_t
	if unix.Stat(src, &st) == nil && st.Mtim.Nano() > id.mtimeNano {
		opts.warnf("database %s is older than source file %s", path, src)
	}
}

// mapFile maps path read-only and validates it.
func mapFile(path string) (*mapping, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, strerror(err))
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("fstat %s: %w", path, strerror(err))
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil, fmt.Errorf("open database %s: %w", path, strerror(unix.EISDIR))
	}
	if st.Size < hashHeaderLen {
		return nil, fmt.Errorf("open database %s: not a Postern table file (too short; rebuild it with postmap)", path)
	}
	data, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap %s: %w", path, err)
	}
	t, err := parseHashFile(data)
	if err != nil {
		unix.Munmap(data)
		return nil, fmt.Errorf("open database %s: %v (rebuild it with postmap)", path, err)
	}
	return &mapping{data: data, table: t, ident: identOf(&st)}, nil
}

// maybeReopen maps the file again when it was replaced. A failure keeps
// the old mapping: a half-finished administrator action must not make
// a daemon lose its table.
func (d *hashDict) maybeReopen() {
	now := time.Now().UnixNano()
	next := d.nextCheck.Load()
	if now < next || !d.nextCheck.CompareAndSwap(next, now+int64(reopenInterval)) {
		return
	}
	var st unix.Stat_t
	if unix.Stat(d.path, &st) != nil {
		return
	}
	d.mu.RLock()
	same := d.m != nil && identOf(&st) == d.m.ident
	d.mu.RUnlock()
	if same {
		return
	}
	m, err := mapFile(d.path)
	if err != nil {
		return
	}
	d.mu.Lock()
	old := d.m
	d.m = m
	d.mu.Unlock()
	if old != nil {
		unix.Munmap(old.data)
	}
}

func (d *hashDict) Lookup(key string) (string, bool, error) {
	d.maybeReopen()
	if d.fold {
		key = foldKey(key)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.m == nil {
		return "", false, fmt.Errorf("table %s:%s: lookup after close", d.typ, d.name)
	}
	v, ok, err := d.m.table.get(key)
	if err != nil {
		return "", false, fmt.Errorf("table %s:%s: query error: %s: %v", d.typ, d.name, d.path, err)
	}
	if !ok {
		return "", false, nil
	}
	return string(v), true, nil
}

func (d *hashDict) Seq(fn func(key, value string) bool) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.m == nil {
		return fmt.Errorf("table %s:%s: sequence after close", d.typ, d.name)
	}
	err := d.m.table.seq(func(k, v []byte) bool { return fn(string(k), string(v)) })
	if err != nil {
		return fmt.Errorf("table %s:%s: sequence error: %s: %v", d.typ, d.name, d.path, err)
	}
	return nil
}

func (d *hashDict) Flags() Flags { return Fixed }

func (d *hashDict) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		return nil
	}
	err := unix.Munmap(d.m.data)
	d.m = nil
	return err
}
