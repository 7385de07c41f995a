// Command trivial-rewrite is Postfix's trivial-rewrite(8): the master.cf
// "rewrite" service on private/rewrite that rewrites addresses to
// canonical form and resolves them to (transport, nexthop, recipient,
// class). Postern's own programs use pkg/resolve in-process; this service
// is for the stock master.cf and for tools that speak the protocol. It
// takes no arguments.
package main

import (
	"fmt"
	"net"

	"github.com/postern/postern/pkg/dict"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/resolve"
	"github.com/postern/postern/pkg/server"
)

var resolver *resolve.Resolver

func main() {
	server.RunMulti(server.Options{Params: resolve.Params, PreInit: open}, serve)
}

// open opens the lookup tables before the privilege drop.
func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	resolver, err = resolve.New(s.Config, resolve.Options{Dict: dict.Options{Param: s.Config.Get}})
	return err
}

func serve(s *server.Server, c net.Conn) {
	timeout, _ := s.Config.Duration("ipc_timeout")
	// Stand-alone (-S) there is no post-accept announcement.
	if err := resolver.Serve(c, timeout, !s.Standalone()); err != nil {
		maillog.Warn("%v", err)
	}
}
