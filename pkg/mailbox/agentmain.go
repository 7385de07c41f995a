package mailbox

import (
	"context"

	"github.com/postern/postern/pkg/deliver"
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
// as root on its service socket (deliver.Program); before it serves it
// runs as $mail_owner, keeping the means to start helpers as recipients
// (DropTo).
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
	p := &deliver.Program{
		Params:     append(append([]string{}, deliver.Params...), m.Params...),
		Open:       m.preInit,
		PostInit:   m.postInit,
		Privileged: true,
	}
	p.Run()
}

// preInit reads the configuration as root and sets the file size limit.
func (m *AgentMain) preInit(s *server.Server) (*deliver.Env, deliver.Agent, error) {
	var err error
	if m.env, err = deliver.NewEnv(s.Config, s.QueueDir()); err != nil {
		return nil, nil, err
	}
	if m.Open != nil {
		if m.agent, err = m.Open(s, m.env); err != nil {
			return nil, nil, err
		}
	}
	limit, err := s.Config.Long(m.LimitParam)
	if err != nil {
		return nil, nil, err
	}
	return m.env, deliver.AgentFunc(m.deliver), SetFileLimit(limit)
}

// deliver hands a request to the agent, which Drop may create only
// after preInit.
func (m *AgentMain) deliver(ctx context.Context, d *deliver.Delivery) error {
	return m.agent.Deliver(ctx, d)
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
