// Command flush is Postfix's flush(8), the fast flush service on
// public/flush that ETRN, "postqueue -s" and "postqueue -i" use. master.cf
// must give it a process limit of 0. The work is done by pkg/flush; see
// its package comment for the protocol and the parameters it reads.
package main

import (
	"fmt"
	"net"

	"github.com/postern/postern/pkg/flush"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

var service *flush.Service

func main() {
	server.RunSingle(server.Options{Params: flush.Params, PreInit: preInit, Unlimited: true},
		func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

// preInit opens the $fast_flush_domains tables before the jail.
func preInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	service, err = flush.NewService(s.Config, s.QueueDir(), maillog.Warn, maillog.Fatal)
	return err
}
