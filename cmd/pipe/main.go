// Command pipe is Postfix's pipe(8) delivery agent: it delivers by
// running the command that the master.cf entry's attributes name
// (flags=, user=, argv=, ...). It runs as root (unpriv "n") with the
// mail system owner's effective identity, and starts each command as
// user=. The work is done by pkg/pipe; see its package comment for the
// attributes, the macros and how results are reported.
package main

import (
	"os"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/pipe"
	"github.com/postern/postern/pkg/server"
)

var agent *pipe.Agent

func main() {
	p := &deliver.Program{Params: pipe.Params, Open: preInit, PostInit: postInit, Privileged: true, Args: true}
	p.Run()
}

func preInit(s *server.Server) (*deliver.Env, deliver.Agent, error) {
	env, err := deliver.NewEnv(s.Config, s.QueueDir())
	if err != nil {
		return nil, nil, err
	}
	agent, err = pipe.NewAgent(s.Config, s.Service, s.Args, os.Geteuid() == 0)
	if err != nil {
		return nil, nil, err
	}
	agent.Warn, agent.Fatal = maillog.Warn, maillog.Fatal
	return env, agent, nil
}

// postInit keeps root as the real user but works as the mail system
// owner (pipe.c drop_privileges: set_eugid).
func postInit(s *server.Server) error {
	if agent.Ident.OwnerUID < 0 {
		return nil
	}
	privs, err := mailbox.DropTo(agent.Ident.OwnerUID, agent.Ident.OwnerGID)
	agent.Privs = privs
	return err
}
