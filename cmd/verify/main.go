// Command verify is Postfix's verify(8), the address verification
// service on private/verify that smtpd's reject_unverified_sender and
// reject_unverified_recipient ask. master.cf must give it a process
// limit of 1. The work is done by pkg/verify; see its package comment for
// the protocol, the cache file and the parameters it reads.
package main

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/verify"
)

var service *verify.Service

func main() {
	server.RunMulti(server.Options{
		Params:   verify.Params,
		Solitary: true,
		PreInit:  preInit,
		PostInit: postInit,
		Loop:     func(*server.Server) time.Duration { return service.Loop() },
		OnExit:   func(*server.Server) { service.Cache.Close() },
	}, func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

// preInit opens the cache before the jail, owned by the mail system
// owner, in a session of its own so that the master's signals never
// interrupt an update (verify.c pre_jail_init).
func preInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	syscall.Setsid()
	owner := verify.Owner{UID: -1, GID: -1}
	if os.Geteuid() == 0 {
		o, err := server.LookupOwner(s.Config.Get("mail_owner"))
		if err != nil {
			return err
		}
		owner = verify.Owner{UID: o.UID, GID: o.GID}
	}
	var err error
	service, err = verify.NewService(s.Config, s.QueueDir(), owner, maillog.Info, maillog.Warn)
	return err
}

// postInit keeps a memory-only cache alive (post_jail_init).
func postInit(s *server.Server) error {
	if !verify.Persistent(s.Config) {
		s.MaxUse, s.MaxIdle = 0, 0
	}
	return nil
}
