package mailbox

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// KernelLock takes an exclusive non-blocking kernel lock on fd with the
// style LockFlock or LockFcntl, retrying as Postfix's deliver_flock()
// does: up to p.Attempts tries, p.Delay (randomized) apart. fcntl locks
// are what mail(1) (mailutils), mutt and Dovecot's mbox code take;
// flock(2) locks are independent of them on Linux. EAGAIN, EWOULDBLOCK
// and EACCES all mean "held by someone else" (myflock()).
func KernelLock(fd int, style LockMask, p LockParams) error {
	var err error
	for i := 1; ; i++ {
		if err = kernelLockOnce(fd, style); err == nil {
			return nil
		}
		if i >= p.Attempts {
			break
		}
		p.sleep()
	}
	return &lockError{text: "unable to lock for exclusive access: " + errText(err), err: err}
}

func kernelLockOnce(fd int, style LockMask) error {
	var err error
	switch style {
	case LockFlock:
		err = retryEINTR(func() error { return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) })
	case LockFcntl:
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
		err = retryEINTR(func() error { return unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk) })
	default:
		return fmt.Errorf("unsupported lock style %v", style)
	}
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EACCES) {
		err = syscall.EAGAIN
	}
	return err
}

func retryEINTR(f func() error) error {
	for {
		err := f()
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
