// Command error is Postfix's error(8) delivery agent: for the master.cf
// service "error" it bounces every recipient, for "retry" it defers them,
// with the nexthop text ("5.1.1 User unknown") as the reason. It takes no
// arguments.
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
	agent, err := deliver.ErrorAgent(s.Service)
	if err != nil {
		return nil, nil, err
	}
	env, err := deliver.NewEnv(s.Config, s.QueueDir())
	return env, agent, err
}
