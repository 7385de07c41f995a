// Package queue is Postern's mail queue: the directory layout under
// $queue_directory, queue IDs, the queue file format (docs/queue-format.md)
// with its durable writer and strict reader, the in-place "recipient done"
// mark that delivery agents use, and the per-message defer/bounce/trace logs.
// It also defines the message size as Postfix reports and compares it
// (MessageSize, msgsize.go), which a queue file stores next to its raw
// content byte count.
//
// Directories (queue(5) of Postfix, mail_queue.c): maildrop, incoming,
// active, deferred, hold, corrupt hold message files; bounce, defer, trace
// hold per-message delivery logs; flush, saved, pid, public and private
// hold the fast-flush logs, saved corrupt files, pid files and the service
// sockets. Queues listed in hash_queue_names get hash_queue_depth levels of
// one-character subdirectories taken from the queue ID (dir_forest()).
//
// Life of a file: Create makes incoming/<usec>.<pid> (O_EXCL, mode 0600)
// and fixes the queue ID from the time and the file's inode; the writer
// streams envelope records, the content and the trailer; Commit writes the
// header, sets mode 0700 (complete, Postfix's owner-execute convention),
// fsyncs the file, renames it to <queue>/<ID> without replacing anything,
// fsyncs that directory, and only then returns. A file is complete if and
// only if its name is a queue ID and its mode has the owner execute bit;
// scanners (qmgr, showq, postsuper) skip everything else.
//
// Parameters read (by NewLayout): queue_directory, hash_queue_names,
// hash_queue_depth, enable_long_queue_ids.
//
// This package never logs; it returns errors naming the file.
package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/postern/postern/pkg/config"
)

// Queue names (mail_queue.h MAIL_QUEUE_*).
const (
	Maildrop = "maildrop"
	Incoming = "incoming"
	Active   = "active"
	Deferred = "deferred"
	Hold     = "hold"
	Corrupt  = "corrupt"
	Bounce   = "bounce" // per-message bounce logs
	Defer    = "defer"  // per-message defer logs
	Trace    = "trace"  // per-message trace (DSN success, verbose) logs
	Flush    = "flush"
	Saved    = "saved"
	Pid      = "pid"
	Public   = "public"
	Private  = "private"
)

// Dir is one directory of the queue tree with the mode Postfix gives it.
// Group ownership (postdrop for maildrop and public) is the installer's
// job (postfix set-permissions); Mkdirs only sets modes.
type Dir struct {
	Name string
	Mode os.FileMode
}

// Dirs lists every queue directory in creation order with Postfix's modes
// (postfix-files: maildrop 1730, public 2710, pid 0755, the rest 0700).
var Dirs = []Dir{
	{Maildrop, 0o730 | os.ModeSticky},
	{Incoming, 0o700},
	{Active, 0o700},
	{Deferred, 0o700},
	{Hold, 0o700},
	{Corrupt, 0o700},
	{Bounce, 0o700},
	{Defer, 0o700},
	{Trace, 0o700},
	{Flush, 0o700},
	{Saved, 0o700},
	{Recycle, 0o700},
	{Pid, 0o755},
	{Public, 0o710 | os.ModeSetgid},
	{Private, 0o700},
}

// File modes of message files.
const (
	ModeIncomplete os.FileMode = 0o600 // being written
	ModeComplete   os.FileMode = 0o700 // owner-execute: complete (MAIL_QUEUE_STAT_READY)
	ModeCorrupt    os.FileMode = 0o400 // marked corrupt (MAIL_QUEUE_STAT_CORRUPT)
	ModeFlushAfter os.FileMode = 0o040 // g+r: deliver after fast flush (MAIL_QUEUE_STAT_UNTHROTTLE)
	ModeExpire     os.FileMode = 0o010 // g+x: force-expire (MAIL_QUEUE_STAT_EXPIRE)
)

// IsComplete reports whether a message file's mode marks it complete:
// owner bits exactly rwx (Postfix's MAIL_QUEUE_STAT_READY test).
func IsComplete(mode os.FileMode) bool { return mode.Perm()&0o700 == ModeComplete }

// Layout is the queue directory tree with its hashing settings. It is a
// value computed once from the configuration; nothing in it changes.
type Layout struct {
	Dir       string          // $queue_directory, absolute
	HashNames map[string]bool // hash_queue_names, lower case
	HashDepth int             // hash_queue_depth (1..16)
	LongIDs   bool            // enable_long_queue_ids

	rec *recycler // file recycling state of this process (recycle.go)
}

// NewLayout reads queue_directory, hash_queue_names, hash_queue_depth and
// enable_long_queue_ids.
func NewLayout(cfg *config.Config) (*Layout, error) {
	dir, err := cfg.Value("queue_directory")
	if err != nil {
		return nil, err
	}
	return NewLayoutIn(cfg, dir)
}

// NewLayoutIn is NewLayout with the queue directory given explicitly:
// "/" for a daemon that runs chrooted into $queue_directory.
func NewLayoutIn(cfg *config.Config, dir string) (*Layout, error) {
	depth, err := cfg.Int("hash_queue_depth")
	if err != nil {
		return nil, err
	}
	long, err := cfg.Bool("enable_long_queue_ids")
	if err != nil {
		return nil, err
	}
	return NewLayoutFrom(dir, cfg.List("hash_queue_names"), depth, long)
}

// NewLayoutFrom builds a Layout from explicit settings (tests, tools).
func NewLayoutFrom(dir string, hashNames []string, depth int, longIDs bool) (*Layout, error) {
	if dir == "" || !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("queue_directory must be an absolute path, not %q", dir)
	}
	if depth < 1 || depth > 16 {
		return nil, fmt.Errorf("invalid hash_queue_depth: %d (must be 1..16)", depth)
	}
	l := &Layout{Dir: dir, HashNames: map[string]bool{}, HashDepth: depth, LongIDs: longIDs, rec: &recycler{limit: RecycleLimit}}
	for _, n := range hashNames {
		l.HashNames[strings.ToLower(n)] = true
	}
	return l, nil
}

// Path returns the file name of message id in queue (mail_queue_path()),
// including hash subdirectories when the queue is hashed.
func (l *Layout) Path(queue, id string) string {
	return filepath.Join(l.Dir, l.RelPath(queue, id))
}

// RelPath is Path relative to the queue directory.
func (l *Layout) RelPath(queue, id string) string {
	if !l.HashNames[strings.ToLower(queue)] {
		return queue + "/" + id
	}
	return queue + "/" + dirForest(hashKey(id), l.HashDepth) + id
}

// QueueDir returns the top directory of a queue.
func (l *Layout) QueueDir(queue string) string { return filepath.Join(l.Dir, queue) }

// Path is Layout.Path for callers holding only the pieces; hashNames and
// depth as in hash_queue_names and hash_queue_depth.
func Path(qdir, queue, id string, hashNames []string, depth int) string {
	l, err := NewLayoutFrom(qdir, hashNames, depth, false)
	if err != nil {
		return filepath.Join(qdir, queue, id)
	}
	return l.Path(queue, id)
}

// hashKey is the string whose first characters name the subdirectories:
// the ID itself, or for a long ID its microseconds re-encoded as the five
// hex digits of a short ID (MQID_LG_GET_HEX_USEC), so both kinds spread
// the same way.
func hashKey(id string) string {
	if usec, ok := longIDUsec(id); ok {
		return fmt.Sprintf("%05X", usec)
	}
	return id
}

// dirForest returns "a/b/" for depth 2 (util/dir_forest.c); "_" stands
// in for characters beyond the end of a short name.
func dirForest(name string, depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		if i < len(name) {
			b.WriteByte(name[i])
		} else {
			b.WriteByte('_')
		}
		b.WriteByte('/')
	}
	return b.String()
}

// Mkdirs creates the queue directory tree with Postfix's modes
// (postfix-files). Existing directories are left as they are.
func (l *Layout) Mkdirs() error {
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return err
	}
	for _, d := range Dirs {
		p := filepath.Join(l.Dir, d.Name)
		err := os.Mkdir(p, d.Mode.Perm())
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.Chmod(p, d.Mode); err != nil {
			return err
		}
	}
	return nil
}

// ErrNotFound is returned (wrapped) when a message is in none of the
// queues searched.
var ErrNotFound = errors.New("no such message")

// Find returns the queue and path of message id, searching queues in
// order (postsuper, postcat -q).
func (l *Layout) Find(id string, queues ...string) (queue, path string, err error) {
	if !ValidID(id) {
		return "", "", fmt.Errorf("invalid queue ID: %q", id)
	}
	for _, q := range queues {
		p := l.Path(q, id)
		if _, err := os.Lstat(p); err == nil {
			return q, p, nil
		}
	}
	return "", "", fmt.Errorf("%s: %w", id, ErrNotFound)
}

// pid is formatted once; it names temporary files.
var pidString = strconv.Itoa(os.Getpid())
