// Command discard is Postfix's discard(8) delivery agent: it reports
// every recipient as delivered, with the nexthop text as the reason, and
// delivers nothing. It takes no arguments.
package main

import (
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/server"
)

func main() {
	p := &deliver.Program{Params: deliver.Params, Open: open}
	p.Run()
}

func open(s *server.Server) (*deliver.Env, deliver.Agent, error) {
	env, err := deliver.NewEnv(s.Config, s.QueueDir())
	return env, deliver.DiscardAgent(), err
}
