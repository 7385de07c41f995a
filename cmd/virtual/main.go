// Command virtual is Postfix's virtual(8) delivery agent: the stock
// master.cf entry "virtual unix - n n - - virtual" runs it as root on
// private/virtual for $virtual_mailbox_domains. The work is done by
// pkg/virtual and pkg/mailbox; this program is also the mailbox helper
// (mailbox.HelperArg) that writes with the recipient's uid and gid.
package main

import (
	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/mailbox"
	"github.com/postern/postern/pkg/server"
	"github.com/postern/postern/pkg/virtual"
)

func main() {
	m := &mailbox.AgentMain{Params: virtual.Params, LimitParam: "virtual_mailbox_limit", Drop: open}
	m.Run()
}

// open opens the tables as $mail_owner (virtual.c post_init()).
func open(s *server.Server, _ *deliver.Env) (mailbox.Agent, error) {
	agent, err := virtual.New(s.Config, virtual.Options{Service: s.Service})
	if err != nil {
		return nil, err
	}
	return agent, nil
}
