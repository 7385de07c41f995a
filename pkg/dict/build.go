package dict

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// BuildOptions control how postmap/postalias/newaliases build a table.
type BuildOptions struct {
	Flags Flags // FoldFix, Utf8, DupWarn/DupIgnore/DupReplace
	// KeepPerm gives the table the group/other read bits of its source
	// (default; postmap -p turns it off); AsOwner makes root create the
	// table owned by the source file's owner (default; -o turns it off).
	KeepPerm, AsOwner bool
	RHSIsFile         bool         // postmap -F: values are file lists, stored base64
	Warn              func(string) // "warning:" lines, without the prefix
	// Aliases-only: Hostname is $myhostname for YP_MASTER_NAME; Now
	// gives YP_LAST_MODIFIED (nil: time.Now).
	Hostname string
	Now      func() time.Time
}

// sourceFormat turns one logical source line into a key and value.
type sourceFormat func(line string) (key, value, problem string)

// BuildMap builds typ:name from its source file name, as postmap does.
func BuildMap(typ, name string, o BuildOptions) error {
	return buildFromSource(typ, name, o, mapFormat(o), nil)
}

// BuildAliases builds the alias table typ:name from the aliases(5) file
// name, as postalias and newaliases do: the keys are local parts, and
// the "@" "@" (complete database) and NIS YP_LAST_MODIFIED /
// YP_MASTER_NAME entries are added, as Postfix on Linux does.
func BuildAliases(typ, name string, o BuildOptions) error {
	return buildFromSource(typ, name, o, aliasFormat(o), func(b *Builder) {
		b.Add("@", "@", true)
		now := time.Now
		if o.Now != nil {
			now = o.Now
		}
		fold := b.fold
		b.fold = false
		b.Add("YP_LAST_MODIFIED", fmt.Sprintf("%010d", now().Unix()), true)
		b.Add("YP_MASTER_NAME", o.Hostname, true)
		b.fold = fold
	})
}

// NewAliases is newaliases(1): it builds every table named in the
// alias_database parameter value (for example "hash:/etc/aliases").
func NewAliases(aliasDatabase, defaultType string, o BuildOptions) error {
	for _, spec := range tokenizeQ(aliasDatabase, sepCommaSpace) {
		typ, name, ok := strings.Cut(spec, ":")
		if !ok {
			typ, name = defaultType, spec
		}
		if err := BuildAliases(typ, name, o); err != nil {
			return err
		}
	}
	return nil
}

func mapFormat(o BuildOptions) sourceFormat {
	return func(line string) (string, string, string) {
		k, v, p := SplitKeyValue(line)
		if p == "" && o.RHSIsFile {
			var err error
			if v, err = filesToBase64(v); err != nil {
				return "", "", err.Error() + ": skipping this entry"
			}
		}
		return k, v, p
	}
}

func aliasFormat(o BuildOptions) sourceFormat {
	return SplitAliasLine
}

// filesToBase64 concatenates the files listed in v and encodes them
// (dict_file_to_b64()).
func filesToBase64(v string) (string, error) {
	var buf []byte
	for _, f := range tokenizeQ(v, sepCommaSpace) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("open %s: %w", f, unwrapPathErr(err))
		}
		buf = append(buf, b...)
	}
	return base64.StdEncoding.EncodeToString(buf), nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// MalformedError is returned when the source has malformed lines; the
// table was not replaced. The lines were reported through Warn.
type MalformedError struct {
	Source string
	Count  int
	Table  string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("%s: %d malformed line(s); table %s was not replaced", e.Source, e.Count, e.Table)
}

func buildFromSource(typ, name string, o BuildOptions, format sourceFormat, finish func(*Builder)) error {
	out, ok := IndexedFile(typ, name)
	if !ok {
		return unsupportedBuild(typ, name)
	}
	src, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, unwrapPathErr(err))
	}
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return fmt.Errorf("fstat %s: %v", name, err)
	}
	b := NewBuilder(o.Flags&FoldFix != 0)
	bad, err := readSource(b, src, name, out, o, format)
	if err != nil {
		return err
	}
	if bad > 0 {
		return &MalformedError{Source: name, Count: bad, Table: out}
	}
	if finish != nil {
		finish(b)
	}
	unlock, err := lockDir(filepath.Dir(out))
	if err != nil {
		return err
	}
	defer unlock()
	return b.WriteFile(out, writeOptions(name, &st, o))
}

// readSource adds the source lines to b; it returns the number of
// malformed lines (each reported as Postfix words it).
func readSource(b *Builder, r io.Reader, name, out string, o BuildOptions, format sourceFormat) (int, error) {
	warn := func(format string, args ...any) {
		if o.Warn != nil {
			o.Warn(fmt.Sprintf(format, args...))
		}
	}
	bad := 0
	lr := NewLineReader(r, name, func(msg string) {
		if strings.Contains(msg, "must not start with whitespace") {
			bad++
		}
		warn("%s", msg)
	})
	for {
		line, lineno, ok, err := lr.Next()
		if err != nil {
			return bad, fmt.Errorf("read %s: %v", name, err)
		}
		if !ok {
			return bad, nil
		}
		problem := ""
		if o.Flags&Utf8 != 0 {
			problem = utf8Problem(line)
		}
		var k, v string
		if problem == "" {
			k, v, problem = format(line)
		}
		if problem != "" {
			warn("%s, line %d: %s", name, lineno, problem)
			bad++
			continue
		}
		if strings.HasSuffix(k, ":") {
			warn("%s, line %d: record is in \"key: value\" format; is this an alias file?", name, lineno)
		}
		if b.Add(k, v, o.Flags&DupReplace != 0) && o.Flags&(DupReplace|DupIgnore) == 0 {
			warn("%s: duplicate entry: \"%s\"", out, b.lastKey(k))
		}
	}
}

// lastKey returns k as stored (folded when the builder folds).
func (b *Builder) lastKey(k string) string {
	if b.fold {
		return foldKey(k)
	}
	return k
}

// writeOptions computes the new table's mode and owner like postmap:
// mode 0644 minus the group/other read bits the source lacks, owned by
// the source's owner when run by root.
func writeOptions(src string, st *unix.Stat_t, o BuildOptions) WriteOptions {
	mode := os.FileMode(0644)
	if o.KeepPerm && st.Mode&unix.S_IFMT == unix.S_IFREG {
		mode &^= os.FileMode(^st.Mode & 077)
	}
	wo := WriteOptions{Mode: mode, UID: -1, GID: -1}
	if o.AsOwner && os.Getuid() == 0 {
		if st.Uid != 0 {
			wo.UID, wo.GID = int(st.Uid), int(st.Gid)
		} else {
			warnRootOwned(src, o)
		}
	}
	return wo
}

func warnRootOwned(src string, o BuildOptions) {
	dir := filepath.Dir(src)
	var pst unix.Stat_t
	if unix.Stat(dir, &pst) != nil || pst.Uid == 0 || o.Warn == nil {
		return
	}
	o.Warn(fmt.Sprintf("Creating root-owned database file(s) %s.* in non-root-owned directory %s. "+
		"Files %s, %s.*, and directory %s should have the same owner. "+
		"Please fix ownership to avoid a privilege-escalation attack.", src, dir, src, src, dir))
}

// lockDir serialises table updates in one directory (Postfix locks the
// table itself; Postern replaces the file, so it locks the directory).
func lockDir(dir string) (func(), error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %v", dir, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %v", dir, err)
	}
	return func() { unix.Flock(fd, unix.LOCK_UN); unix.Close(fd) }, nil
}

func unsupportedBuild(typ, name string) error {
	if _, ok := registryHas(typ); ok {
		return fmt.Errorf("unsupported dictionary operation: table %s:%s cannot be created with postmap", typ, name)
	}
	return fmt.Errorf("unsupported dictionary type: %s", typ)
}

func registryHas(typ string) (Opener, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	o, ok := registry[typ]
	return o, ok
}
