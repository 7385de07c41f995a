package server

import (
	"net"
	"os"
	"strconv"

	"github.com/postern/postern/pkg/maillog"
)

// A single server with Options.Sessions > 1 serves several clients at
// once in one process. Postfix runs one process per client, so its
// maxproc counts processes and clients alike; here each process is given
// a session budget by the master ($SESSION_BUDGET: what is left of
// maxproc when it starts, 0 = no limit) and serves at most
// min(Options.Sessions, budget) clients at once. It reports that limit
// to the master in every status message, and reports itself available
// while it is below the limit and below $max_use accepted clients, so
// the master starts another process only when this one is full and the
// limits of the service's processes add up to less than maxproc. A
// client beyond maxproc waits in the listen queue, as with Postfix.
//
// $max_use counts clients per session: a process that serves up to N
// clients at once stands for N Postfix processes and exits after N ×
// $max_use clients, so that each session slot is renewed after $max_use
// clients, as each Postfix process is. A process that reached its count stops accepting,
// reports itself taken, holds only its remaining sessions against
// maxproc, and exits after its last client.
// $max_idle counts from the end of the last client. When the master goes
// away or reloads, the process stops accepting and exits after its last
// client, as a single server finishes its one client.

// sessionLimit returns how many clients the process serves at once:
// Options.Sessions within the master's session budget; 1 for a process
// started without a budget (by hand with -S, or by a master that does
// not hand out budgets) and for a service with a process limit of 1.
func (s *Server) sessionLimit() int {
	n := s.opts.Sessions
	if n <= 1 || s.flags.standalone || s.Solitary {
		return 1
	}
	v, ok := os.LookupEnv(SessionBudgetEnv)
	if !ok {
		return 1
	}
	budget, err := strconv.Atoi(v)
	if err != nil || budget < 0 {
		maillog.Fatal("bad session budget: %s", v)
	}
	if budget > 0 && budget < n {
		n = budget
	}
	return max(n, 1)
}

// runSessions serves clients in goroutines, at most limit at once, with
// the multi server's loop; it does not return.
func (s *Server) runSessions(limit int, serve func(s *Server, c net.Conn)) {
	s.limit = limit
	m := newMulti(s, serve)
	m.cap = limit
	m.maxUse = s.MaxUse * limit
	m.run(s.listenFDs())
}
