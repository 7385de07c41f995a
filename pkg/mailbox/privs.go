package mailbox

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/postern/postern/pkg/maillog"
)

// Privs keeps a delivery agent that was started as root (local(8) and
// virtual(8) run with "unpriv n") running with the mail system owner's
// effective user and group, as Postfix's set_eugid(var_owner_uid,
// var_owner_gid) does after startup: queue files and logs it creates
// belong to $mail_owner. The real and saved user stay root, so that the
// agent can start children with a recipient's privileges. No file is
// ever written as root by the agent process itself; each write to a
// user's file happens in a child process that runs entirely as that
// user (Runner, or a command started with Start).
//
// Go applies setresuid(2) and setgroups(2) to every thread of the
// process, so the switch is process-wide, like Postfix's.
type Privs struct {
	mu       sync.Mutex
	UID, GID int // $mail_owner
}

// Cred is a child process's user and group. The supplementary group
// list is the group alone, as Postfix's set_ugid() sets it.
type Cred struct {
	UID, GID int
}

// DropTo makes uid/gid the effective user and group of the process and
// returns the Privs to start children with. It needs root; a process
// that is not root gets nil (children then run as the process does).
func DropTo(uid, gid int) (*Privs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return nil, fmt.Errorf("setgroups(%d): %s", gid, errText(err))
	}
	if err := syscall.Setresgid(-1, gid, -1); err != nil {
		return nil, fmt.Errorf("setegid(%d): %s", gid, errText(err))
	}
	if err := syscall.Setresuid(-1, uid, -1); err != nil {
		return nil, fmt.Errorf("seteuid(%d): %s", uid, errText(err))
	}
	return &Privs{UID: uid, GID: gid}, nil
}

// Start starts cmd as cred: the child sets its groups, group and user
// before it executes the program. The process is root only while the
// child is being created. With p nil cmd starts as the current user.
func (p *Privs) Start(cmd *exec.Cmd, cred Cred) error {
	if p == nil {
		return cmd.Start()
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{
		Uid: uint32(cred.UID), Gid: uint32(cred.GID), Groups: []uint32{uint32(cred.GID)},
	}
	return p.asRoot(cmd.Start)
}

// Kill sends sig to the process group pgid, or to the process when that
// fails (kill_command()).
func (p *Privs) Kill(pid int, sig syscall.Signal) {
	kill := func() error {
		if syscall.Kill(-pid, sig) != nil {
			return syscall.Kill(pid, sig)
		}
		return nil
	}
	if p == nil {
		kill()
		return
	}
	p.asRoot(kill)
}

// asRoot runs f with effective user root and restores the owner after.
func (p *Privs) asRoot(f func() error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := syscall.Setresuid(-1, 0, -1); err != nil {
		return fmt.Errorf("seteuid(0): %s", errText(err))
	}
	ferr := f()
	if err := syscall.Setresuid(-1, p.UID, -1); err != nil {
		// Continuing as root would be worse than dying.
		maillog.Fatal("seteuid(%d): %s", p.UID, errText(err))
	}
	return ferr
}

// SetFileLimit limits the size of files this process and its children
// write (set_file_limit(): RLIMIT_FSIZE), for mailbox_size_limit and
// virtual_mailbox_limit; 0 means no limit. A write past it fails with
// EFBIG ("5.2.2"): SIGXFSZ is ignored by the server skeleton.
func SetFileLimit(limit int64) error {
	if limit <= 0 {
		return nil
	}
	rl := syscall.Rlimit{Cur: uint64(limit), Max: uint64(limit)}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &rl); err != nil {
		return fmt.Errorf("setrlimit: %s", errText(err))
	}
	return nil
}
