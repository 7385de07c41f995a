package cleanup

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/smtperr"
)

// table writes a texthash table and returns its "texthash:path" name.
func table(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "virtual")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return "texthash:" + p
}

// expand sends one message to rcpts and returns the sorted queue file
// recipients, or the Commit error.
func expand(t *testing.T, h *harness, rcpts ...string) ([]string, error) {
	t.Helper()
	id, err := h.send(smtpMeta, "s@example.org", rcpts, "\nbody\n")
	if err != nil {
		return nil, err
	}
	env, _ := h.read(id)
	out := rcptAddrs(env)
	sort.Strings(out)
	return out, nil
}

func TestVirtualAliasExpansion(t *testing.T) {
	tab := table(t,
		"list@example.com   a@example.com, b@example.net, sub@example.com",
		"sub@example.com    c@example.org, a@example.com",
		"self@example.com   self@example.com, copy@example.net",
		"@catch.example     @example.net",
		"joe@example.com    joseph@example.org",
		"local              localuser@example.org",
	)
	h := newHarness(t, "virtual_alias_maps = "+tab+"\nrecipient_delimiter = +\n")
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"list@example.com"}, "a@example.com b@example.net c@example.org"},
		{[]string{"self@example.com"}, "copy@example.net self@example.com"},
		{[]string{"anyone@catch.example"}, "anyone@example.net"},
		{[]string{"anyone+tag@catch.example"}, "anyone+tag@example.net"}, // @domain keeps the whole local part
		{[]string{"joe+box@example.com"}, "joseph+box@example.org"},
		{[]string{"local@example.com"}, "localuser@example.org"}, // bare local part: $myorigin
		{[]string{"local@elsewhere.org"}, "local@elsewhere.org"}, // not local: no bare lookup
		{[]string{"list@example.com", "sub@example.com"}, "a@example.com a@example.com b@example.net c@example.org c@example.org"},
		{[]string{"nobody@example.com"}, "nobody@example.com"},
	} {
		got, err := expand(t, h, c.in...)
		if err != nil {
			t.Errorf("%v: %v", c.in, err)
			continue
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%v expanded to %v, want %s", c.in, got, c.want)
		}
	}
}

func TestVirtualDuplicatesDropped(t *testing.T) {
	h := newHarness(t, "virtual_alias_maps = "+table(t, "a@example.com x@example.net", "b@example.com x@example.net")+
		"\nenable_original_recipient = no\n")
	got, err := expand(t, h, "a@example.com", "b@example.com", "x@example.net")
	if err != nil || strings.Join(got, " ") != "x@example.net" {
		t.Errorf("got %v %v", got, err)
	}
}

func TestVirtualLoopAndLimits(t *testing.T) {
	chain := []string{}
	for i := 0; i < 20; i++ {
		chain = append(chain, fmt.Sprintf("c%d@example.com c%d@example.com", i, i+1))
	}
	var wide []string
	for i := 0; i < 30; i++ {
		wide = append(wide, fmt.Sprintf("w%d@example.net", i))
	}
	tab := table(t, append(chain,
		"loop1@example.com loop2@example.com",
		"loop2@example.com loop1@example.com",
		"wide@example.com "+strings.Join(wide, ", "),
		"long@example.com "+strings.Repeat("l", 60)+"@example.net",
	)...)
	h := newHarness(t, "virtual_alias_maps = "+tab+"\nvirtual_alias_recursion_limit = 10\n"+
		"virtual_alias_expansion_limit = 25\nvirtual_alias_address_length_limit = 50\n")
	for _, c := range []struct{ rcpt, log string }{
		{"loop1@example.com", `unreasonable virtual_alias_maps map nesting for loop1@example\.com -- message not accepted, try again later$`},
		{"c0@example.com", `unreasonable virtual_alias_maps map nesting for c0@example\.com`},
		{"wide@example.com", `unreasonable virtual_alias_maps map expansion size for wide@example\.com -- message not accepted, try again later$`},
		{"long@example.com", `unreasonable virtual_alias_maps result l{60}@example\.net\.\.\. -- message not accepted, try again later$`},
	} {
		_, err := expand(t, h, c.rcpt)
		if e, ok := smtperr.As(err); !ok || e.Reply() != "451 4.6.0 Alias expansion error" {
			t.Errorf("%s: err %v", c.rcpt, err)
		}
		if !h.logged(`^warning: \w+: ` + c.log) {
			t.Errorf("%s: no log %q in %q", c.rcpt, c.log, h.logs)
		}
	}
	assertEmptyQueue(t, h)
	// Within the limits a chain resolves.
	got, err := expand(t, h, "c15@example.com")
	if err != nil || strings.Join(got, " ") != "c20@example.com" {
		t.Errorf("chain: %v %v", got, err)
	}
}

func TestVirtualLookupError(t *testing.T) {
	h := newHarness(t, "virtual_alias_maps = fail:broken\n")
	_, err := expand(t, h, "a@example.com")
	if e, ok := smtperr.As(err); !ok || e.Reply() != "451 4.3.0 Error: queue file write error" {
		t.Errorf("err %v", err)
	}
	if !h.logged(`^warning: \w+: virtual_alias_maps map lookup problem for a@example\.com -- message not accepted, try again later$`) {
		t.Errorf("logs %q", h.logs)
	}
}

func TestVirtualNotifySuccessTrace(t *testing.T) {
	h := newHarness(t, "virtual_alias_maps = "+table(t, "list@example.com a@example.net, b@example.net")+"\n")
	m, _ := h.c.Begin(smtpMeta)
	m.SetSender("s@example.org", "FULL", "env1")
	if err := m.AddRecipient("list@example.com", "rfc822;list@example.com", "SUCCESS,FAILURE"); err != nil {
		t.Fatal(err)
	}
	if err := m.AddRecipient("x@example.com", "", "BOGUS"); err == nil {
		t.Error("bad NOTIFY accepted")
	}
	id, err := m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	env, _ := h.read(id)
	for _, r := range env.Recipients {
		if r.Notify != queue.NotifyFailure || r.ORCPT != "rfc822;list@example.com" || r.Orig != "list@example.com" {
			t.Errorf("recipient %+v", r)
		}
	}
	if env.Attr(queue.AttrDSNRet) != "FULL" || env.Attr(queue.AttrDSNEnvID) != "env1" {
		t.Errorf("attrs %v", env.Attrs)
	}
	recs, err := h.l.ReadLog(queue.Trace, id)
	if err != nil || len(recs) != 1 || recs[0].Action != "expanded" || recs[0].Reason != "alias expanded" || recs[0].Recipient != "list@example.com" {
		t.Errorf("trace %+v %v", recs, err)
	}
}

func TestCanonicalMaps(t *testing.T) {
	canon := table(t, "old@example.com new@example.com", "@olddomain.example @example.com", "multi@example.com a@x, b@x")
	rcanon := table(t, "bob@example.com robert@example.com")
	h := newHarness(t, "canonical_maps = "+canon+"\nrecipient_canonical_maps = "+rcanon+"\n")
	id, err := h.send(Meta{Origin: "pickup"}, "old", []string{"bob", "someone@olddomain.example", "multi@example.com"},
		"From: old\nTo: bob\nCc: x@olddomain.example\n\n")
	if err != nil {
		t.Fatal(err)
	}
	env, content := h.read(id)
	if env.Sender != "new@example.com" {
		t.Errorf("sender %q", env.Sender)
	}
	if got := strings.Join(rcptAddrs(env), " "); got != "robert@example.com someone@example.com a@x" {
		t.Errorf("recipients %q", got)
	}
	for _, want := range []string{"From: new@example.com\n", "To: robert@example.com\n", "Cc: x@example.com\n"} {
		if !strings.Contains(content, want) {
			t.Errorf("missing %q in\n%s", want, content)
		}
	}
	if !h.logged(`^warning: \w+: multi-valued canonical_maps entry for multi@example\.com$`) {
		t.Errorf("logs %q", h.logs)
	}
	// canonical_classes limits where canonical_maps apply.
	h = newHarness(t, "canonical_maps = "+canon+"\ncanonical_classes = envelope_recipient\n")
	id, _ = h.send(Meta{Origin: "pickup"}, "old", []string{"old"}, "From: old\n\n")
	env, content = h.read(id)
	if env.Sender != "old@example.com" || env.Recipients[0].Address != "new@example.com" || !strings.Contains(content, "From: old@example.com\n") {
		t.Errorf("classes: sender %q rcpt %q\n%s", env.Sender, env.Recipients[0].Address, content)
	}
}

func TestNoAddressMappings(t *testing.T) {
	h := newHarness(t, "virtual_alias_maps = "+table(t, "a@example.com b@example.com")+
		"\nreceive_override_options = no_address_mappings\n")
	got, err := expand(t, h, "a@example.com")
	if err != nil || strings.Join(got, " ") != "a@example.com" {
		t.Errorf("got %v %v", got, err)
	}
}

func TestRemoteHeaderRewriteDomain(t *testing.T) {
	h := newHarness(t, "remote_header_rewrite_domain = domain.invalid\n")
	id, err := h.send(smtpMeta, "a@example.org", []string{"b@example.com"}, "To: someone\n\n")
	if err != nil {
		t.Fatal(err)
	}
	_, content := h.read(id)
	for _, want := range []string{"To: someone@domain.invalid\n", "Message-Id: <", "From: a@example.org\n"} {
		if !strings.Contains(content, want) {
			t.Errorf("missing %q in\n%s", want, content)
		}
	}
}

func TestAutomaticBcc(t *testing.T) {
	h := newHarness(t, "always_bcc = archive\nsender_bcc_maps = "+table(t, "alice@example.org sent-copy@example.net")+
		"\nrecipient_bcc_maps = "+table(t, "@example.com rcvd-copy@example.net")+
		"\nvirtual_alias_maps = "+table(t, "archive@example.com arch1@example.net, arch2@example.net")+"\n")
	id, err := h.send(smtpMeta, "alice@example.org", []string{"bob@example.com"}, "\nbody\n")
	if err != nil {
		t.Fatal(err)
	}
	env, _ := h.read(id)
	if got := strings.Join(rcptAddrs(env), " "); got != "sent-copy@example.net bob@example.com rcvd-copy@example.net arch1@example.net arch2@example.net" {
		t.Errorf("recipients %q", got)
	}
	for _, r := range env.Recipients {
		if r.Address != "bob@example.com" && r.Notify != queue.NotifyNever {
			t.Errorf("bcc %s notify %d", r.Address, r.Notify)
		}
	}
	// Notices (bounces) get no automatic BCC.
	m, _ := h.c.Begin(Meta{Origin: "bounce"})
	m.SetSender("", "", "")
	m.AddRecipient("alice@example.org", "", "")
	id, err = m.Commit()
	if err != nil {
		t.Fatal(err)
	}
	env, _ = h.read(id)
	if got := strings.Join(rcptAddrs(env), " "); got != "alice@example.org" {
		t.Errorf("bounce recipients %q", got)
	}
}
