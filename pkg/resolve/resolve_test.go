package resolve

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/attr"
	"github.com/postern/postern/pkg/config"
	"github.com/postern/postern/pkg/dict"
)

const baseCF = `
myhostname = mx.example.com
mydomain = example.com
myorigin = $mydomain
inet_interfaces = 127.0.0.1
mydestination = $myhostname, localhost.$mydomain, localhost, example.com
recipient_delimiter = +
relay_domains = relay.example, .relaysub.example
virtual_alias_domains = valias.example
virtual_mailbox_domains = vmbox.example
virtual_transport = lmtp:unix:private/dovecot-lmtp
transport_maps = inline:{ sub.example.net=smtp:[10.0.0.1]:2525, {special@example.org=error:5.1.1 gone},
  .parent.example=relay:, example.org=:[mx.example.org], lmtpuser@example.com=lmtp:inet:127.0.0.1:24,
  errdom.example=error, retrydom.example=retry }
relocated_maps = inline:{ moved@example.com=new@example.net }
`

var baseAddrs = []string{
	"user@example.com", "user", "user@localhost", "USER@Example.COM.", "user@mx.example.com",
	"user@relay.example", "user@a.relay.example", "user@x.relaysub.example", "user@relaysub.example",
	"user@valias.example", "user@vmbox.example", "user@sub.example.net", "user@deep.sub.example.net",
	"special@example.org", "user@example.org", "user@x.parent.example", "user@parent.example",
	"lmtpuser@example.com", "lmtpuser+ext@example.com", "moved@example.com",
	"user%remote.example@example.com", "remote.example!user", "\"user@remote.example\"@example.com",
	"@route.example:user@example.com", "", "-user@example.com", "user@[127.0.0.1]", "user@[192.0.2.99]",
	"user@[IPv6:::1]", "user@127.0.0.1", "user@bad_domain!", "user@-bad.example", "quoted user@example.com",
	"user@remote.example", "user@errdom.example", "user@retrydom.example", "user@", "@", "user@@example.com",
	"a!b!user@example.com", "user.@example.com", "user@[300.1.1.1]", "user@example..com",
}

// compareResolve checks our Resolve against the real trivial-rewrite.
func compareResolve(t *testing.T, dir string, senders, addrs []string) {
	t.Helper()
	r, _ := ourResolver(t, dir)
	var reqs []attr.List
	for _, sender := range senders {
		for _, addr := range addrs {
			reqs = append(reqs, resolveReq("resolve", sender, addr))
		}
	}
	replies := oracleBatch(t, dir, reqs)
	for i, req := range reqs {
		sender, addr := req[1].Value, req[2].Value
		want := resultOf(t, replies[i])
		if got := r.Resolve(sender, addr); !sameResult(got, want) {
			t.Errorf("sender <%s> addr <%s>:\n got  %+v\n want %+v", sender, addr, got, want)
		}
	}
}

// sameResult compares results; Postfix leaves "NOT UPDATED" placeholders
// where it gave up, we leave empty strings.
func sameResult(got, want Result) bool {
	if strings.HasSuffix(want.Transport, "NOT UPDATED") {
		want.Transport, want.Nexthop = "", ""
	}
	if strings.HasSuffix(want.Recipient, "NOT UPDATED") {
		want.Recipient = ""
	}
	if want.Flags&FlagFail != 0 {
		return got.Flags == want.Flags
	}
	return got == want
}

func TestResolveOracleBase(t *testing.T) {
	needOracle(t)
	compareResolve(t, testDir(t, baseCF), []string{""}, baseAddrs)
}

func TestResolveOracleRelayhost(t *testing.T) {
	needOracle(t)
	dir := testDir(t, baseCF+`
relayhost = [smtp.isp.example]:587
relay_transport = relay:[relay.internal]
sender_dependent_relayhost_maps = inline:{ alice@example.com=[alt.isp]:25, <>=[bounce.isp], dave@example.com=DUNNO }
sender_dependent_default_transport_maps = inline:{ bob@example.com=slow:, carol@example.com=DUNNO, @fast.example=fast:[fast.relay] }
`)
	senders := []string{"", "alice@example.com", "bob@example.com", "carol@example.com",
		"dave@example.com", "x@fast.example", "other@example.net"}
	addrs := []string{"user@remote.example", "user@relay.example", "user@example.com",
		"user@vmbox.example", "user@sub.example.net"}
	compareResolve(t, dir, senders, addrs)
}

func TestResolveOracleOptions(t *testing.T) {
	needOracle(t)
	dir := testDir(t, `
myhostname = host.example.com
mydomain = example.com
inet_interfaces = 127.0.0.1
proxy_interfaces = 192.0.2.7
local_transport = local:$myhostname
resolve_numeric_domain = yes
allow_percent_hack = no
swap_bangpath = no
resolve_null_domain = yes
resolve_dequoted_address = no
show_user_unknown_table_name = no
allow_min_user = yes
empty_address_recipient = postmaster
virtual_alias_domains = valias.example
relay_domains = relay.example
parent_domain_matches_subdomains = transport_maps
transport_maps = inline:{ *=smtp:[fallback.example], parent.example=:[p.relay] }
`)
	addrs := append([]string{"user@sub.parent.example", "user@[192.0.2.7]", "user@192.0.2.7",
		"user@a.relay.example", "user@localhost"}, baseAddrs...)
	compareResolve(t, dir, []string{""}, addrs)
}

func TestResolveOracleVerify(t *testing.T) {
	needOracle(t)
	dir := testDir(t, baseCF+`
address_verify_relayhost = [probe.relay]
address_verify_default_transport = probe
address_verify_transport_maps = inline:{ vmbox.example=probe2: }
`)
	r, _ := ourResolver(t, dir)
	for _, addr := range []string{"user@remote.example", "user@vmbox.example", "user@example.com", "user@sub.example.net"} {
		want := oracleResolve(t, dir, "verify", "", addr)
		if got := r.ResolveVerify("", addr); !sameResult(got, want) {
			t.Errorf("verify <%s>:\n got  %+v\n want %+v", addr, got, want)
		}
	}
}

func TestRewriteOracle(t *testing.T) {
	needOracle(t)
	for _, cf := range []string{
		"myhostname = mx.example.com\nmydomain = example.com\nmyorigin = $mydomain\n",
		"myhostname = mx.example.com\nmydomain = example.com\nappend_dot_mydomain = yes\nremote_header_rewrite_domain = domain.invalid\nswap_bangpath = no\n",
		"myhostname = mx.example.com\nmydomain = example.com\nappend_at_myorigin = no\nallow_percent_hack = no\n",
	} {
		dir := testDir(t, cf)
		r, _ := ourResolver(t, dir)
		var reqs []attr.List
		for _, rule := range []string{ContextLocal, ContextRemote} {
			for _, addr := range []string{"user", "user@host", "user@host.", "@a,@b:user@c.example",
				"host!user", "user%host", "user%host@gw", "\"quoted user\"", "\"\"", "@", "user@[1.2.3.4]",
				"user@host.example.", "a.b@c", "\"a@b\"@c.example"} {
				reqs = append(reqs, attr.List{{Name: "request", Value: "rewrite"},
					{Name: "rule", Value: rule}, {Name: "address", Value: addr}})
			}
		}
		for i, reply := range oracleBatch(t, dir, reqs) {
			rule, addr := reqs[i][1].Value, reqs[i][2].Value
			if got := r.Rewrite(rule, addr); got != reply[1].Value {
				t.Errorf("%q rewrite %s <%s>: got <%s> want <%s>", cf, rule, addr, got, reply[1].Value)
			}
		}
	}
}

// Unit tests that do not need the oracle: the classes of
// ADDRESS_CLASS_README and the transport(5) search order.

func unitResolver(t *testing.T, maincf string) *Resolver {
	t.Helper()
	f, err := config.Parse("main.cf", []byte("compatibility_level = 3.6\n"+maincf))
	if err != nil {
		t.Fatal(err)
	}
	own := func(a netip.Addr) bool { return a == netip.MustParseAddr("192.0.2.1") }
	r, err := New(config.New(t.TempDir(), f), Options{OwnAddr: own})
	if err != nil {
		t.Fatal(err)
	}
	r.Info, r.Warn = nil, nil
	t.Cleanup(r.Close)
	return r
}

func TestClasses(t *testing.T) {
	r := unitResolver(t, baseCF)
	cases := []struct {
		addr string
		want Result
	}{
		{"joe@example.com", Result{"local", "mx.example.com", "joe@example.com", ClassLocal}},
		{"joe", Result{"local", "mx.example.com", "joe@mx.example.com", ClassLocal}},
		{"joe@[192.0.2.1]", Result{"local", "mx.example.com", "joe@[192.0.2.1]", ClassLocal}},
		{"joe@valias.example", Result{"error", "5.1.1 User unknown in virtual alias table", "joe@valias.example", ClassAlias}},
		{"joe@vmbox.example", Result{"lmtp", "unix:private/dovecot-lmtp", "joe@vmbox.example", ClassVirtual}},
		{"joe@a.relay.example", Result{"relay", "a.relay.example", "joe@a.relay.example", ClassRelay}},
		{"joe@other.example", Result{"smtp", "other.example", "joe@other.example", ClassDefault}},
		{"joe@sub.example.net", Result{"smtp", "[10.0.0.1]:2525", "joe@sub.example.net", ClassDefault}},
		{"joe@deep.sub.example.net", Result{"smtp", "deep.sub.example.net", "joe@deep.sub.example.net", ClassDefault}},
		{"joe@x.parent.example", Result{"relay", "x.parent.example", "joe@x.parent.example", ClassDefault}},
		{"joe@example.org", Result{"smtp", "[mx.example.org]", "joe@example.org", ClassDefault}},
		{"special@example.org", Result{"error", "5.1.1 gone", "special@example.org", ClassDefault}},
		{"joe@errdom.example", Result{"error", "Address is undeliverable", "joe@errdom.example", ClassDefault}},
		{"lmtpuser+x@example.com", Result{"lmtp", "inet:127.0.0.1:24", "lmtpuser+x@example.com", ClassLocal}},
		{"moved@example.com", Result{"error", "5.1.6 User has moved to new@example.net", "moved@example.com", ClassLocal}},
		{"joe%remote.example@example.com", Result{"smtp", "remote.example", "joe@remote.example", ClassDefault}},
		{"-joe@example.com", Result{"local", "mx.example.com", "-joe@example.com", ClassLocal | FlagError}},
		{"joe@bad_dom!", Result{"", "", "joe@bad_dom!", ClassDefault | FlagError}},
	}
	for _, c := range cases {
		if got := r.Resolve("", c.addr); got != c.want {
			t.Errorf("<%s>: got %+v want %+v", c.addr, got, c.want)
		}
	}
}

func TestRelayhostForms(t *testing.T) {
	for _, rh := range []string{"[smtp.isp.example]", "smtp.isp.example", "[smtp.isp.example]:587", "smtp.isp.example:submission"} {
		r := unitResolver(t, "mydestination = localhost\nrelayhost = "+rh)
		got := r.Resolve("", "u@remote.example")
		if got.Transport != "smtp" || got.Nexthop != rh {
			t.Errorf("relayhost %s: %+v", rh, got)
		}
		// Local mail does not go to the relayhost.
		if got := r.Resolve("", "u@localhost"); got.Transport != "local" {
			t.Errorf("relayhost %s, local: %+v", rh, got)
		}
	}
}

func TestTableFailureIsTemporary(t *testing.T) {
	r := unitResolver(t, "transport_maps = fail:broken\n")
	if got := r.Resolve("", "u@remote.example"); got.Flags&FlagFail == 0 {
		t.Errorf("fail table: %+v", got)
	}
	r = unitResolver(t, "relay_domains = fail:broken\n")
	if got := r.Resolve("", "u@remote.example"); got.Flags&FlagFail == 0 {
		t.Errorf("fail relay_domains: %+v", got)
	}
}

func TestNullTransport(t *testing.T) {
	r := unitResolver(t, "default_transport =\n")
	var warned string
	r.Warn = func(f string, a ...any) { warned = f }
	if got := r.Resolve("", "u@remote.example"); got.Flags&FlagFail == 0 || !strings.Contains(warned, "null transport") {
		t.Errorf("%+v %q", got, warned)
	}
}

func TestDomainList(t *testing.T) {
	l, err := NewDomainList("relay_domains", "!no.example, example.com, .dot.example, inline:{tab.example=x}", true, dictOpts())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"example.com": true, "Sub.Example.COM": true, "no.example": false, "x.no.example": false,
		"dot.example": false, "a.dot.example": false, "tab.example": true, "a.b.tab.example": true,
		"other.example": false, "xexample.com": false,
	} {
		if got, err := l.Match(name); got != want || err != nil {
			t.Errorf("parent style %s: got %v %v", name, got, err)
		}
	}
	l, _ = NewDomainList("relay_domains", "example.com, .dot.example", false, dictOpts())
	for name, want := range map[string]bool{"example.com": true, "a.example.com": false, "a.dot.example": true, "dot.example": false} {
		if got, _ := l.Match(name); got != want {
			t.Errorf("dot style %s: got %v", name, got)
		}
	}
	s, _ := NewStringList("mydestination", "example.com", dictOpts())
	if ok, _ := s.Match("a.example.com"); ok {
		t.Error("string list matched a subdomain")
	}
	if _, err := NewStringList("mydestination", "!", dictOpts()); err == nil {
		t.Error("lone ! accepted")
	}
}

func dictOpts() dict.Options { return dict.Options{} }

func TestParamsAreRegistered(t *testing.T) {
	for _, p := range append(Params, strings.Fields("address_verify_local_transport address_verify_virtual_transport "+
		"address_verify_relay_transport address_verify_default_transport address_verify_relayhost "+
		"address_verify_sender_dependent_relayhost_maps address_verify_sender_dependent_default_transport_maps "+
		"address_verify_transport_maps")...) {
		if _, ok := config.LookupParam(p); !ok {
			t.Errorf("unknown parameter %s", p)
		}
	}
}
