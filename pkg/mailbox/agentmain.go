package mailbox

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// Agent is a mailbox delivery agent (local(8), virtual(8)): it delivers
// qmgr's requests and starts its helpers with the privileges it keeps.
type Agent interface {
	deliver.Agent
	SetPrivs(p *Privs)
}

// AgentMain is the main() of local(8) and virtual(8), which differ only
// in their parameters, their file size limit and when they create their
// agent. The program is also the mailbox helper (HelperArg). It starts
// as root on its service socket under the single-threaded skeleton;
// before it serves it runs as $mail_owner, keeping the means to start
// helpers as recipients (DropTo).
type AgentMain struct {
	// Params are the agent's own parameters (deliver.Params come first).
	Params []string
	// LimitParam names the parameter with the file size limit that every
	// delivery gets (SetFileLimit).
	LimitParam string
	// Open creates the agent as root, before the file size limit is
	// read (local.c pre_init()); Drop creates it after the process runs
	// as $mail_owner (virtual.c post_init()). One of them is set.
	Open, Drop func(s *server.Server, env *deliver.Env) (Agent, error)

	agent Agent
	env   *deliver.Env
}

// Run serves qmgr's delivery requests; it does not return.
func (m *AgentMain) Run() {
	if IsHelper() {
		HelperMain()
	}
	server.RunSingle(server.Options{
		Params:     append(append([]string{}, deliver.Params...), m.Params...),
		PreInit:    m.preInit,
		PostInit:   m.postInit,
		Privileged: true,
	}, m.serve)
}

// preInit reads the configuration as root and sets the file size limit.
func (m *AgentMain) preInit(s *server.Server) error {
	if len(s.Args) > 0 {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if m.env, err = deliver.NewEnv(s.Config, s.QueueDir()); err != nil {
		return err
	}
	if m.Open != nil {
		if m.agent, err = m.Open(s, m.env); err != nil {
			return err
		}
	}
	limit, err := s.Config.Long(m.LimitParam)
	if err != nil {
		return err
	}
	return SetFileLimit(limit)
}

// postInit runs as $mail_owner from now on.
func (m *AgentMain) postInit(s *server.Server) error {
	owner, err := server.LookupOwner(s.Config.Get("mail_owner"))
	if err != nil {
		return err
	}
	privs, err := DropTo(owner.UID, owner.GID)
	if err != nil {
		return err
	}
	if m.Drop != nil {
		if m.agent, err = m.Drop(s, m.env); err != nil {
			return err
		}
	}
	m.agent.SetPrivs(privs)
	return nil
}

func (m *AgentMain) serve(_ *server.Server, c net.Conn) {
	if err := deliver.Serve(context.Background(), c, m.env, m.agent); err != nil {
		maillog.Warn("%v", err)
	}
}
