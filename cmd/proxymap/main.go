// Command proxymap is Postfix's proxymap(8): the proxymap and proxywrite
// services, which answer lookups (and, for proxywrite, updates) of
// lookup tables for programs that speak Postfix's proxymap protocol.
// Postern's own programs read proxy: tables in-process. The work is done
// by pkg/proxymap; see its package comment for the protocol and the
// parameters it reads.
package main

import (
	"fmt"
	"net"
	"syscall"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/proxymap"
	"github.com/postern/postern/pkg/server"
)

var service *proxymap.Service

func main() {
	server.RunMulti(server.Options{Params: proxymap.Params, PostInit: postInit},
		func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

// postInit decides between proxymap and proxywrite by the service name
// and reads the approved tables (post_jail_init); proxywrite runs in a
// session of its own, so that the master's signals never interrupt an
// update.
func postInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if service, err = proxymap.NewService(s.Config, s.Service, maillog.Warn); err != nil {
		return err
	}
	if service.Writer {
		syscall.Setsid()
	}
	return nil
}
