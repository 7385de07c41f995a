// Command smtpd is Postfix's smtpd(8): the SMTP server that the master
// starts for each "smtp inet ... smtpd" entry of master.cf (and the
// "unix" and "pass" forms). The work is done by pkg/smtpd, which hands
// each accepted message to pkg/cleanup in the same process; see those
// packages for the protocol, the parameters read and the differences
// from Postfix.
package main

import (
	"fmt"
	"net"
	"os"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/smtpd"
)

var service *smtpd.Server

// sessions is how many SMTP sessions one smtpd process serves at once,
// within its share of the service's maxproc (pkg/server Options.Sessions;
// docs/performance.md has the measurements behind the number). Each
// session holds its own anvil client, so anvil counts every session of
// the process as Postfix's anvil counts one process per session.
const sessions = 100

func main() {
	server.RunSingle(server.Options{
		Params:   append(append([]string{}, smtpd.Params...), cleanup.Params...),
		PreInit:  open,
		Sessions: sessions,
	}, func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

// open reads the configuration and opens the tables before the chroot.
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	dir := s.Config.Get("queue_directory")
	if s.Chroot && os.Geteuid() == 0 {
		dir = "/" // the skeleton chroots into $queue_directory after PreInit
	}
	layout, err := queue.NewLayoutIn(s.Config, dir)
	if err != nil {
		return err
	}
	// The sessions of this process share one qmgr wake-up sender.
	wake := cleanup.NewWaker(dir, maillog.Warn)
	c, err := cleanup.New(s.Config, cleanup.Options{Layout: layout, Wake: wake})
	if err != nil {
		return err
	}
	service, err = smtpd.New(s.Config, smtpd.Deps{Queue: smtpd.CleanupQueue{C: c}, Service: s.Service})
	return err
}
