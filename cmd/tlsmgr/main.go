// Command tlsmgr is Postfix's tlsmgr(8), the TLS session cache, ticket
// key and seed service on private/tlsmgr. master.cf must give it a
// process limit of 1; it never exits for max_use or max_idle. Postern's
// smtpd and smtp keep their TLS state in-process and do not use it; see
// pkg/tlsmgr for the protocol, what it keeps and the parameters it reads.
package main

import (
	"fmt"
	"net"
	"time"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/tlsmgr"
)

var service *tlsmgr.Service

func main() {
	server.RunMulti(server.Options{
		Params:   tlsmgr.Params,
		Solitary: true,
		Resident: true,
		PreInit:  preInit,
		Loop:     func(*server.Server) time.Duration { return service.Loop() },
	}, func(_ *server.Server, c net.Conn) { service.Serve(c) })
}

func preInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	service, err = tlsmgr.NewService(s.Config, maillog.Warn)
	return err
}
