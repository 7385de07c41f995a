package smtpclient

import (
	"testing"

	"github.com/postern/postern/pkg/deliver"
)

// TestORCPTQuoting: without an ORCPT from the client, the original
// recipient becomes "rfc822;" plus its quote_822_local() form, xtext
// encoded (smtp_proto.c).
func TestORCPTQuoting(t *testing.T) {
	d := &deliver.Delivery{Req: &deliver.Request{Recipients: []deliver.Recipient{
		{Address: "user@example.com", OrigAddress: "john doe@example.com"},
		{Address: "u@example.com", OrigAddress: "@r:x y@example.com"},
	}}}
	a := &attempt{cfg: &Config{}, d: d}
	s := &session{feat: features{dsn: true}}
	for i, want := range []string{
		`RCPT TO:<user@example.com> ORCPT=rfc822;"john+20doe"@example.com`,
		`RCPT TO:<u@example.com> ORCPT=rfc822;@r:"x+20y"@example.com`,
	} {
		if got := a.rcptCommand(s, i); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
