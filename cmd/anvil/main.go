// Command anvil is Postfix's anvil(8): the connection count and request
// rate service on private/anvil that smtpd asks to enforce the
// smtpd_client_*_limit parameters. master.cf must give it a process
// limit of 1. The work is done by pkg/anvil; see its package comment for
// the protocol, the statistics it logs and the parameters it reads.
package main

import (
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/pkg/anvil"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

type logger struct{}

func (logger) Info(format string, args ...any) { maillog.Info(format, args...) }
func (logger) Warn(format string, args ...any) { maillog.Warn(format, args...) }

var service *anvil.Service

func main() {
	server.RunMulti(server.Options{
		Params:   anvil.Params,
		Solitary: true,
		PostInit: postInit,
		Loop:     func(*server.Server) time.Duration { return service.Loop() },
		OnExit:   func(*server.Server) { service.Dump() },
	}, func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

// postInit creates the table (post_jail_init): no limit on the number
// of clients, and no idle exit before a rate time unit has passed.
func postInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if service, err = anvil.NewService(s.Config, logger{}, nil); err != nil {
		return err
	}
	s.MaxUse = 0
	if unit := service.T.Unit(); s.MaxIdle < unit {
		s.MaxIdle = unit
	}
	return nil
}
