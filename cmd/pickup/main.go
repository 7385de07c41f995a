// Command pickup is Postfix's pickup(8), the local mail pickup daemon:
// the stock master.cf entry "pickup unix n - n 60 1 pickup" runs it as
// a trigger server on public/pickup, woken by postdrop and every 60
// seconds by the master. It moves the messages in the maildrop queue
// into the incoming queue through cleanup, in this process. The work is
// done by pkg/pickup; see that package and docs/submission.md.
package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/pickup"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/server"
)

var (
	service *pickup.Service
	owner   server.Owner // $mail_owner, looked up before the chroot
)

func main() {
	server.RunTrigger(server.Options{
		Params:        append([]string{"mail_owner", "delay_logging_resolution_limit"}, cleanup.Params...),
		PreInit:       open,
		PostInit:      ownerOnly,
		Solitary:      true,
		WatchdogParam: "daemon_timeout",
	}, func(_ *server.Server, _ []byte) {
		if err := service.Scan(); err != nil {
			maillog.Warn("%v", err)
		}
	})
}

// open reads the configuration and opens cleanup's tables before the
// chroot (tables may live outside the queue directory).
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	dir := s.QueueDir() // the skeleton chroots into $queue_directory after PreInit
	layout, err := queue.NewLayoutIn(s.Config, dir)
	if err != nil {
		return err
	}
	if owner, err = server.LookupOwner(s.Config.Get("mail_owner")); err != nil {
		return err
	}
	service, err = pickup.New(s.Config, pickup.Options{Layout: layout})
	return err
}

// ownerOnly runs pickup as $mail_owner even when master.cf says
// unpriv = n (post_jail_init()): it reads files other users wrote.
func ownerOnly(s *server.Server) error {
	if os.Geteuid() != 0 {
		return nil
	}
	o := owner
	if err := syscall.Setgroups(o.Groups); err != nil {
		return fmt.Errorf("initgroups: %v", err)
	}
	if err := syscall.Setgid(o.GID); err != nil {
		return fmt.Errorf("setgid(%d): %v", o.GID, err)
	}
	return syscall.Setuid(o.UID)
}
