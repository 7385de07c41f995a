package deliver

import (
	"context"
	"fmt"
	"net"

	"github.com/postern/postern/pkg/maillog"
	"github.com/postern/postern/pkg/server"
)

// Program is the main() of a delivery agent (discard(8), error(8),
// lmtp(8), local(8), virtual(8), pipe(8)): the single-threaded skeleton
// refuses command-line arguments unless Args is set, runs Open
// before the privilege drop (pre_init) and PostInit after it, and then
// serves qmgr's requests (Serve) with the Env and Agent that Open
// returned, on kept connections (Env.KeepIdle), logging a failed request
// as a warning.
type Program struct {
	Params []string // the main.cf parameters the agent reads
	// Open reads the configuration and opens what the agent needs.
	Open func(s *server.Server) (*Env, Agent, error)
	// PostInit, when set, runs after the privilege drop (post_init).
	PostInit func(s *server.Server) error
	// Privileged keeps root privileges until PostInit (server.Options).
	Privileged bool
	// Args lets Open read the command-line arguments (pipe's
	// attributes); without it any argument is an error.
	Args bool

	env   *Env
	agent Agent
}

// Run serves delivery requests; it does not return.
func (p *Program) Run() {
	server.RunSingle(server.Options{Params: p.Params, PreInit: p.preInit, PostInit: p.PostInit,
		Privileged: p.Privileged}, p.serve)
}

func (p *Program) preInit(s *server.Server) error {
	if len(s.Args) > 0 && !p.Args {
		return fmt.Errorf("unexpected command-line argument: %s", s.Args[0])
	}
	var err error
	if p.env, p.agent, err = p.Open(s); err != nil {
		return err
	}
	// qmgr may send further requests over the same connection
	// (pool.go); a process on its way out takes no more.
	p.env.KeepIdle = AgentKeepIdle
	p.env.KeepWhile = func() bool { return !s.Draining() }
	return nil
}

func (p *Program) serve(_ *server.Server, c net.Conn) {
	if err := Serve(context.Background(), c, p.env, p.agent); err != nil {
		maillog.Warn("%v", err)
	}
}
