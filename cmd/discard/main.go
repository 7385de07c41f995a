// Command discard is Postfix's discard(8) delivery agent: it reports
// every recipient as delivered, with the nexthop text as the reason, and
// delivers nothing. It takes no arguments.
package main

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

var env *deliver.Env

func main() {
	server.RunSingle(server.Options{Params: deliver.Params, PreInit: open}, serve)
}

func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	env, err = deliver.NewEnv(s.Config, s.QueueDir())
	return err
}

func serve(_ *server.Server, c net.Conn) {
	if err := deliver.Serve(context.Background(), c, env, deliver.DiscardAgent()); err != nil {
		maillog.Warn("%v", err)
	}
}
