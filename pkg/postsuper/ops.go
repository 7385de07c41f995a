package postsuper

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/server"
)

// queueInfo is what postsuper expects of a queue directory.
type queueInfo struct {
	message bool // message files (mode 0700 when complete), else log files
	recurse bool // may have hash subdirectories
}

var queueInfos = map[string]queueInfo{
	queue.Maildrop: {true, false},
	queue.Incoming: {true, true},
	queue.Active:   {true, true},
	queue.Deferred: {true, true},
	queue.Hold:     {true, true},
	queue.Trace:    {false, true},
	queue.Defer:    {false, true},
	queue.Bounce:   {false, true},
	queue.Flush:    {false, true},
}

// defaultQueues: log directories first, so that their hashing is fixed
// before message files are renamed.
var defaultQueues = []string{queue.Defer, queue.Bounce, queue.Maildrop, queue.Incoming,
	queue.Active, queue.Deferred, queue.Hold, queue.Flush}

var logQueues = []string{queue.Bounce, queue.Defer, queue.Trace}

// openOK is mail_open_ok(): a regular, complete file with one link.
func (p *prog) openOK(q, id string) (string, os.FileInfo, bool) {
	path := p.l.Path(q, id)
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || !queue.IsComplete(st.Mode()) {
		return path, nil, false
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Nlink != 1 {
		return path, nil, false
	}
	return path, st, true
}

// remove deletes a file; an error other than "does not exist" is fatal
// (postremove).
func (p *prog) remove(path string) (bool, error) {
	err := os.Remove(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fatalf("remove file %s: %s", p.rel(path), errnoText(err))
}

// rename moves a file, creating hash subdirectories (postrename).
func (p *prog) rename(from, to string) (bool, error) {
	err := os.Rename(from, to)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Lstat(from); serr == nil {
			os.MkdirAll(filepath.Dir(to), 0o700)
			err = os.Rename(from, to)
		}
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fatalf("rename file %s as %s: %s", p.rel(from), p.rel(to), errnoText(err))
}

// rel shows a path as Postfix does after chdir to the queue directory:
// "deferred/A/ABCDEF1234".
func (p *prog) rel(path string) string {
	if r, ok := strings.CutPrefix(path, p.l.Dir+"/"); ok {
		return r
	}
	return path
}

// byID is an operation on one named message.
type byID func(queues []string, id string) error

func (p *prog) validID(id string) bool {
	if !queue.ValidID(id) {
		p.warn("invalid mail queue id: %s", id)
		return false
	}
	return true
}

// deleteOne removes a message and its logs (delete_one).
func (p *prog) deleteOne(queues []string, id string) error {
	if !p.validID(id) {
		return nil
	}
	for tries := 0; tries < 2; tries++ {
		for _, q := range queues {
			if !queueInfos[q].message {
				continue
			}
			path, _, ok := p.openOK(q, id)
			if !ok {
				continue
			}
			for _, lq := range logQueues {
				if _, err := p.remove(p.l.Path(lq, id)); err != nil {
					return err
				}
			}
			done, err := p.remove(path)
			if err != nil {
				return err
			}
			if done {
				p.info("%s: removed", id)
				p.counts.deleted++
				return nil
			}
		}
	}
	return nil
}

// moveOne renames a message from the first queue that has it to dst
// (requeue_one, hold_one, release_one).
func (p *prog) moveOne(queues []string, id, dst string, skip func(q string) bool, after func(path string), word string) (bool, error) {
	if !p.validID(id) {
		return false, nil
	}
	for _, q := range queues {
		if !queueInfos[q].message || skip(q) {
			continue
		}
		path, _, ok := p.openOK(q, id)
		if !ok {
			continue
		}
		to := p.l.Path(dst, id)
		done, err := p.rename(path, to)
		if err != nil {
			return false, err
		}
		if done {
			if after != nil {
				after(to)
			}
			p.info("%s: %s", id, word)
			return true, nil
		}
	}
	return false, nil
}

func (p *prog) requeueOne(queues []string, id string) error {
	ok, err := p.moveOne(queues, id, queue.Maildrop, func(q string) bool { return q == queue.Maildrop },
		func(path string) {
			now := time.Now()
			if err := os.Chtimes(path, now, now); err != nil {
				p.warn("%s: reset time stamps: %s", p.rel(path), errnoText(err))
			}
		}, "requeued")
	if ok {
		p.counts.requeued++
	}
	return err
}

func (p *prog) holdOne(queues []string, id string) error {
	ok, err := p.moveOne(queues, id, queue.Hold, func(q string) bool {
		// Maildrop mail is not sanitized yet: it must not be mixed with
		// queued mail.
		return q == queue.Maildrop || q == queue.Hold
	}, nil, "placed on hold")
	if ok {
		p.counts.held++
	}
	return err
}

func (p *prog) releaseOne(queues []string, id string) error {
	ok, err := p.moveOne(queues, id, queue.Deferred, func(q string) bool { return q != queue.Hold }, nil, "released from hold")
	if ok {
		p.counts.released++
	}
	return err
}

// expireOne sets the force-expire mode bit (expire_one, postexpire).
func (p *prog) expireOne(queues []string, id string) error {
	if !p.validID(id) {
		return nil
	}
	for _, q := range queues {
		if !queueInfos[q].message || q == queue.Maildrop {
			continue
		}
		path, _, ok := p.openOK(q, id)
		if ok && p.expire(path) {
			p.info("%s: expired", id)
			p.counts.expired++
			return nil
		}
	}
	return nil
}

// expire adds g+x to a complete, not yet expired file.
func (p *prog) expire(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			p.warn("expire file %s: %s", p.rel(path), errnoText(err))
		}
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || !queue.IsComplete(st.Mode()) || st.Mode().Perm()&queue.ModeExpire != 0 {
		return false
	}
	if err := f.Chmod(st.Mode().Perm() | queue.ModeExpire); err != nil {
		p.warn("expire file %s: cannot set permission: %s", p.rel(path), errnoText(err))
		return false
	}
	return true
}

func (p *prog) expRelOne(queues []string, id string) error {
	if err := p.expireOne(queues, id); err != nil {
		return err
	}
	return p.releaseOne(queues, id)
}

// stream applies op to each queue ID read from stdin (operate_stream).
func (p *prog) stream(op byID, queues []string) error {
	if p.env.Stdin == nil {
		return nil
	}
	sc := bufio.NewScanner(p.env.Stdin)
	for sc.Scan() {
		if err := op(queues, strings.TrimRight(sc.Text(), "\r")); err != nil {
			return err
		}
	}
	return nil
}

// becomeMailOwner is set_ugid($mail_owner).
func becomeMailOwner(cfg *config.Config) error {
	o, err := server.LookupOwner(cfg.Get("mail_owner"))
	if err != nil {
		return err
	}
	if err := syscall.Setgroups([]int{o.GID}); err != nil {
		return fmt.Errorf("setgroups: %s", errnoText(err))
	}
	if err := syscall.Setgid(o.GID); err != nil {
		return fmt.Errorf("setgid(%d): %s", o.GID, errnoText(err))
	}
	if err := syscall.Setuid(o.UID); err != nil {
		return fmt.Errorf("setuid(%d): %s", o.UID, errnoText(err))
	}
	return nil
}

// errnoText is strerror(3) text for %m.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
