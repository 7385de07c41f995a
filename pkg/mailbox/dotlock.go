package mailbox

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// DotLock creates PATH.lock exclusively, as Postfix's dot_lockfile() and
// mail(1), mutt and Dovecot's dotlock code do: up to p.Attempts tries,
// p.Delay (randomized) apart; a lock file older than p.Stale (by its
// change time) is removed as stale. O_CREAT|O_EXCL does not follow
// symbolic links. The error text is Postfix's ("unable to create lock
// file PATH.lock: REASON") and wraps the system error.
func DotLock(path string, p LockParams) error {
	lock := path + ".lock"
	var err error
	for count := 1; ; count++ {
		var fd int
		fd, err = syscall.Open(lock, syscall.O_WRONLY|syscall.O_EXCL|syscall.O_CREAT|syscall.O_CLOEXEC, 0)
		if err == nil {
			syscall.Close(fd)
			return nil
		}
		if count >= p.Attempts || !errors.Is(err, syscall.EEXIST) {
			break
		}
		if removeStale(lock, p.Stale) != nil {
			break
		}
		p.sleep()
	}
	return &lockError{text: fmt.Sprintf("unable to create lock file %s: %s", lock, errText(err)), err: err}
}

// removeStale removes a lock file whose change time is more than stale
// ago; only a failure other than "already gone" is returned.
func removeStale(lock string, stale time.Duration) error {
	var st syscall.Stat_t
	if syscall.Stat(lock, &st) != nil {
		return nil
	}
	ctime := time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	if time.Now().Unix() <= ctime.Unix()+int64(stale/time.Second) {
		return nil
	}
	if err := os.Remove(lock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// DotUnlock removes PATH.lock (dot_unlockfile()); errors are ignored.
func DotUnlock(path string) { syscall.Unlink(path + ".lock") }

// lockError is a locking failure: Postfix's text and the system error.
type lockError struct {
	text string
	err  error
}

func (e *lockError) Error() string { return e.text }
func (e *lockError) Unwrap() error { return e.err }
