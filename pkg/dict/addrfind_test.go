package dict

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// recorder is a table that finds nothing and records the keys asked.
type recorder struct {
	keys  *[]string
	flags Flags
}

func (r recorder) Lookup(k string) (string, bool, error) {
	*r.keys = append(*r.keys, k)
	return "", false, nil
}
func (r recorder) Flags() Flags { return r.flags }
func (r recorder) Close() error { return nil }

// searchOrder returns the keys FindAddr tries, in order.
func searchOrder(addr string, p AddrParams, s Strategy) []string {
	var keys []string
	m := NewMaps("test", []string{"rec:x"}, []Dict{recorder{&keys, Fixed}})
	m.FindAddr(addr, p, s)
	return keys
}

var virtualParams = AddrParams{Delimiter: "+", Myorigin: "example.com", DoubleBounceSender: "double-bounce",
	OwnerRequestSpecial: true, IsLocal: func(d string) (bool, error) { return d == "local.test", nil }}

func TestAddrSearchOrder(t *testing.T) {
	cases := []struct {
		addr string
		s    Strategy
		p    AddrParams
		want []string
	}{
		// virtual(5): user+ext@domain, user@domain, user+ext, user, @domain
		{"user+ext@example.com", FindDefault, virtualParams,
			[]string{"user+ext@example.com", "user@example.com", "user+ext", "user", "@example.com"}},
		{"user+ext@local.test", FindDefault, virtualParams,
			[]string{"user+ext@local.test", "user@local.test", "user+ext", "user", "@local.test"}},
		// A remote domain: no bare local-part forms.
		{"user+ext@remote.test", FindDefault, virtualParams,
			[]string{"user+ext@remote.test", "user@remote.test", "@remote.test"}},
		// Empty recipient_delimiter: no extension step.
		{"user+ext@example.com", FindDefault, AddrParams{Myorigin: "example.com"},
			[]string{"user+ext@example.com", "user+ext", "@example.com"}},
		// postmaster, owner-x, x-request are never split.
		{"owner-list@remote.test", FindDefault, AddrParams{Delimiter: "-", OwnerRequestSpecial: true},
			[]string{"owner-list@remote.test", "@remote.test"}},
		// Quoted local parts are tried in quoted (external) form first.
		{"john doe@remote.test", FindDefault, virtualParams,
			[]string{`"john doe"@remote.test`, "john doe@remote.test", "@remote.test"}},
		// access(5) sender/recipient, parent_domain_matches_subdomains on.
		{"user+ext@sub.example.com", AccessStrategy(true), virtualParams,
			[]string{"user+ext@sub.example.com", "user@sub.example.com", "sub.example.com",
				"example.com", "com", "user+ext@", "user@"}},
		// ... and off: ".example.com" style parents.
		{"user+ext@sub.example.com", AccessStrategy(false), virtualParams,
			[]string{"user+ext@sub.example.com", "user@sub.example.com", "sub.example.com",
				".example.com", ".com", "user+ext@", "user@"}},
	}
	for _, c := range cases {
		if got := searchOrder(c.addr, c.p, c.s); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: search order\n got %q\nwant %q", c.addr, got, c.want)
		}
	}
}

func TestAccessKeyForms(t *testing.T) {
	keys := func(ks []Key) (out []string) {
		for _, k := range ks {
			out = append(out, fmt.Sprintf("%s/%v", k.Key, k.Partial))
		}
		return out
	}
	check := func(name string, got []Key, want ...string) {
		t.Helper()
		if g := keys(got); !reflect.DeepEqual(g, want) {
			t.Errorf("%s: got %q want %q", name, g, want)
		}
	}
	check("host", DomainKeys("mail.sub.example.com", true),
		"mail.sub.example.com/false", "sub.example.com/true", "example.com/true", "com/true")
	check("host dot", DomainKeys("mail.example.com", false),
		"mail.example.com/false", ".example.com/true", ".com/true")
	check("numeric", DomainKeys("1.2.3.4", true), "1.2.3.4/false")
	check("unknown", DomainKeys("unknown", true), "unknown/false")
	check("ipv4", AddrKeys("1.2.3.4"), "1.2.3.4/false", "1.2.3/true", "1.2/true", "1/true")
	check("ipv6", AddrKeys("2001:db8::1"), "2001:db8::1/false", "2001:db8:/true", "2001:db8/true", "2001/true")
}

// TestAddrLookupAgainstPostfix builds one table with an entry for every
// key form and removes them one by one: at each step the answer of
// FindAddr must be the real postmap's answer for the first form (in
// the documented order) that the real postmap finds.
func TestAddrLookupAgainstPostfix(t *testing.T) {
	needPostfix(t)
	entries := []string{
		"user+ext@example.com full", "user@example.com noext", "user+ext local-ext",
		"user local", "@example.com catchall",
	}
	order := []string{"user+ext@example.com", "user@example.com", "user+ext", "user", "@example.com"}
	for drop := 0; drop <= len(entries); drop++ {
		src := strings.Join(entries[drop:], "\n") + "\n"
		tw := newTwin(t, fmt.Sprintf("virtual%d", drop), src, true)
		real := realQueries(t, tw.realDir, tw.cfg, "hash:"+tw.file, order)
		want, wantOK := firstHit(real, order)
		m, err := OpenMaps("virtual_alias_maps", "hash:"+filepath.Join(tw.ourDir, tw.file), Options{Flags: MapsFlags})
		if err != nil {
			t.Fatal(err)
		}
		r, ok, err := m.FindAddr("user+ext@example.com", virtualParams, FindDefault)
		m.Close()
		if err != nil || ok != wantOK || r.Value != want {
			t.Errorf("drop %d: got (%q, %v, %v), want (%q, %v)", drop, r.Value, ok, err, want, wantOK)
		}
	}
}

func firstHit(real map[string]string, order []string) (string, bool) {
	for _, k := range order {
		if v, ok := real[k]; ok {
			return v, true
		}
	}
	return "", false
}

// Partial forms never reach pattern tables; the full address does.
func TestPartialFormsSkipPatternTables(t *testing.T) {
	var fixed, pattern []string
	m := NewMaps("t", []string{"a:1", "b:2"}, []Dict{recorder{&pattern, Pattern}, recorder{&fixed, Fixed}})
	m.FindAddr("u+e@example.com", virtualParams, FindDefault)
	if want := []string{"u+e@example.com"}; !reflect.DeepEqual(pattern, want) {
		t.Errorf("pattern table asked %q, want %q", pattern, want)
	}
	if len(fixed) != 5 {
		t.Errorf("fixed table asked %q", fixed)
	}
}

func TestFindAddrExtension(t *testing.T) {
	d, _ := Open("inline:{user@example.com=x@y}", Options{Flags: MapsFlags})
	m := NewMaps("t", []string{"inline"}, []Dict{d})
	r, ok, err := m.FindAddr("user+foo@example.com", virtualParams, FindDefault)
	if !ok || err != nil || r.Value != "x@y" || r.Extension != "+foo" {
		t.Errorf("got %+v %v %v", r, ok, err)
	}
}
