package mailbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/postern/postern/pkg/config"
)

// LockMask selects the mailbox locking methods (global/mbox_conf.h).
type LockMask int

const (
	LockFlock      LockMask = 1 << iota // flock(2)
	LockFcntl                           // fcntl(2) F_SETLK
	LockDot                             // PATH.lock file
	LockDotMayFail                      // a dotlock that cannot be created is only a warning
)

// lockNames are the values of mailbox_delivery_lock and
// virtual_mailbox_lock that this system supports (mbox_conf.c).
var lockNames = []NameBit{{"flock", int(LockFlock)}, {"fcntl", int(LockFcntl)}, {"dotlock", int(LockDot)}}

// ParseLockMask parses a mailbox_delivery_lock or virtual_mailbox_lock
// value (mbox_lock_mask()). An unknown name is an error in Postfix's
// words; an empty list is too ("specifies no applicable mailbox locking
// method").
func ParseLockMask(param, value string) (LockMask, error) {
	m, err := NameMask(param, value, lockNames)
	if err != nil {
		return 0, err
	}
	if m == 0 {
		return 0, fmt.Errorf("parameter %s specifies no applicable mailbox locking method", param)
	}
	return LockMask(m), nil
}

// NameBit is one name of a name list parameter and its bit.
type NameBit struct {
	Name string
	Bit  int
}

// NameMask turns a comma/space separated list of names into a bit mask
// as util/name_mask.c does with its default flags: names are
// case-sensitive and an unknown name is an error.
func NameMask(param, value string, names []NameBit) (int, error) {
	mask := 0
	for _, w := range config.SplitList(value) {
		found := false
		for _, n := range names {
			if n.Name == w {
				mask |= n.Bit
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown %s value \"%s\" in \"%s\"", param, w, value)
		}
	}
	return mask, nil
}

// LockParams are the lock retry settings: deliver_lock_attempts,
// deliver_lock_delay and stale_lock_time.
type LockParams struct {
	Attempts int
	Delay    time.Duration
	Stale    time.Duration
}

// ReadLockParams reads deliver_lock_attempts, deliver_lock_delay and
// stale_lock_time.
func ReadLockParams(cfg *config.Config) (LockParams, error) {
	var p LockParams
	var err error
	if p.Attempts, err = cfg.Int("deliver_lock_attempts"); err != nil {
		return p, err
	}
	if p.Delay, err = cfg.Duration("deliver_lock_delay"); err != nil {
		return p, err
	}
	p.Stale, err = cfg.Duration("stale_lock_time")
	return p, err
}

// sleep waits between lock attempts: a random time in delay ± delay/2
// (rand_sleep(delay, delay/2)).
func (p LockParams) sleep() {
	d := p.Delay
	if d <= 0 {
		return
	}
	half := d / 2
	time.Sleep(d - half + rand.N(2*half+1))
}

// String renders a mask as a name list, for logs and tests.
func (m LockMask) String() string {
	var out []string
	for _, n := range lockNames {
		if int(m)&n.Bit != 0 {
			out = append(out, n.Name)
		}
	}
	if m&LockDotMayFail != 0 {
		out = append(out, "dotlock-may-fail")
	}
	return strings.Join(out, ", ")
}
