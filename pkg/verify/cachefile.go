package verify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/postern/postern/pkg/config"
)

// cacheHeader is the first line of a cache file.
const cacheHeader = "#postern-verify-cache 1"

// cacheFile is the open, locked cache file (see the package comment for
// its format). Everything goes through the descriptor opened before the
// chroot jail.
type cacheFile struct {
	f     *os.File
	path  string
	lines int // entry lines in the file
}

// OpenCache opens (creating it when missing) and locks the cache file
// and loads its entries. uid and gid, when not -1, own a new file (the
// mail system owner). Lines that do not parse are reported to warn and
// skipped.
func OpenCache(name, path string, uid, gid int, warn func(string, ...any)) (*Cache, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %s", path, config.Strerror(err))
	}
	f := os.NewFile(uintptr(fd), path)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock database %s: %s", path, config.Strerror(err))
	}
	cf := &cacheFile{f: f, path: path}
	c := &Cache{Name: name, entries: map[string]string{}, file: cf, warn: warn}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat database %s: %s", path, config.Strerror(err))
	}
	if st.Size() == 0 && uid >= 0 {
		f.Chown(uid, gid)
	}
	if err := cf.load(c.entries, warn); err != nil {
		f.Close()
		return nil, err
	}
	if st.Size() == 0 || !endsInNewline(f, st.Size()) {
		if err := cf.rewrite(c.entries); err != nil {
			f.Close()
			return nil, err
		}
	}
	return c, nil
}

// endsInNewline reports whether the file's last byte is a newline; if
// not, the last write was torn and the file is rewritten before anything
// is appended to it.
func endsInNewline(f *os.File, size int64) bool {
	b := make([]byte, 1)
	_, err := f.ReadAt(b, size-1)
	return err == nil && b[0] == '\n'
}

// load reads the file into m.
func (cf *cacheFile) load(m map[string]string, warn func(string, ...any)) error {
	if _, err := cf.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReader(cf.f)
	first := true
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) && !(first && line != "") {
			return nil // an unterminated last line is a torn write
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read database %s: %v", cf.path, err)
		}
		line = strings.TrimSuffix(line, "\n")
		if first {
			first = false
			if line != cacheHeader {
				return fmt.Errorf("database %s: not a Postern verify cache (first line %.40q)", cf.path, line)
			}
			continue
		}
		cf.lines++
		if !applyLine(m, line) && warn != nil {
			warn("%s: ignoring malformed line %d", cf.path, cf.lines+1)
		}
	}
}

// applyLine applies one entry line to m.
func applyLine(m map[string]string, line string) bool {
	k, v, set := strings.Cut(line, "\t")
	key, ok1 := unescape(k)
	value, ok2 := unescape(v)
	if !ok1 || !ok2 || key == "" {
		return false
	}
	if set {
		m[key] = value
	} else {
		delete(m, key)
	}
	return true
}

// append writes one change and makes it durable.
func (cf *cacheFile) append(key, value string, del bool) error {
	line := escape(key)
	if !del {
		line += "\t" + escape(value)
	}
	if _, err := cf.f.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	if _, err := cf.f.WriteString(line + "\n"); err != nil {
		return err
	}
	cf.lines++
	return unix.Fdatasync(int(cf.f.Fd()))
}

// needsCompaction: more than twice the live entries and 1000 dead lines.
func (cf *cacheFile) needsCompaction(live int) bool {
	return cf.lines > 2*live && cf.lines-live >= 1000
}

// rewrite replaces the file's content with the live entries, in place.
func (cf *cacheFile) rewrite(m map[string]string) error {
	var b bytes.Buffer
	b.WriteString(cacheHeader + "\n")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(escape(k) + "\t" + escape(m[k]) + "\n")
	}
	if err := cf.f.Truncate(0); err != nil {
		return err
	}
	if _, err := cf.f.WriteAt(b.Bytes(), 0); err != nil {
		return err
	}
	cf.lines = len(keys)
	return cf.f.Sync()
}

func (cf *cacheFile) close() error { return cf.f.Close() }

// escape writes %, TAB, CR, LF and NUL as %XX.
func escape(s string) string {
	if !strings.ContainsAny(s, "%\t\r\n\x00") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%', '\t', '\r', '\n', 0:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unescape(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		var c byte
		if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &c); err != nil {
			return "", false
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), true
}
