// Command scache is Postfix's scache(8), the connection cache service on
// private/scache. master.cf must give it a process limit of 1. Postern's
// smtp and lmtp agents reuse connections in-process and do not use it;
// see pkg/scache for the protocol, what it caches and the parameters it
// reads, and docs/services.md.
package main

import (
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/scache"
	"github.com/postern/postern/pkg/server"
)

var service *scache.Service

func main() {
	server.RunMulti(server.Options{
		Params:   scache.Params,
		Solitary: true,
		PostInit: postInit,
		Loop:     func(*server.Server) time.Duration { return service.Loop() },
		OnExit:   func(*server.Server) { service.Dump() },
	}, func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

// postInit creates the cache; the process ignores max_use, but still
// exits after max_idle without a client (post_jail_init).
func postInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	service, err = scache.NewService(s.Config, maillog.Info, maillog.Warn)
	s.MaxUse = 0
	return err
}
