// Command error is Postfix's error(8) delivery agent: for the master.cf
// service "error" it bounces every recipient, for "retry" it defers them,
// with the nexthop text ("5.1.1 User unknown") as the reason. It takes no
// arguments.
package main

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

var (
	env   *deliver.Env
	agent deliver.Agent
)

func main() {
	server.RunSingle(server.Options{Params: deliver.Params, PreInit: open}, serve)
}

func open(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if agent, err = deliver.ErrorAgent(s.Service); err != nil {
		return err
	}
	env, err = deliver.NewEnv(s.Config, s.QueueDir())
	return err
}

func serve(_ *server.Server, c net.Conn) {
	if err := deliver.Serve(context.Background(), c, env, agent); err != nil {
		maillog.Warn("%v", err)
	}
}
