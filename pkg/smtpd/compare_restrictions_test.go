package smtpd

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The restrictions comparison: like TestCompareWithPostfix, the same
// sessions against a private real Postfix and against Postern, replies
// and smtpd log lines compared, for every family of restrictions. Both
// read the same tables (texthash, cidr, regexp, inline) and ask the
// same fake name server: Postern through its stub resolver, Postfix
// through the C library, started in a private mount namespace where
// /etc/resolv.conf names the fake server (port 53 of a random loopback
// address). Clients connect from chosen loopback addresses so that the
// DNS lists see different clients. Needs root, unshare(1) and
// /usr/sbin/postfix; skipped otherwise and with -short.

// restrictionEnv is everything both servers share.
type restrictionEnv struct {
	dir      string // tables and resolv.conf
	dns      *fakeDNS
	dnsIP    string
	oracle   *oracle
	ports    map[string]int
	pst      map[string]*testServer
	variants []oracleVariant
	subst    map[string]string // placeholders in settings: DIR and others
}

func TestCompareRestrictionsWithPostfix(t *testing.T) {
	requireOracle(t)
	env := newRestrictionEnv(t, restrictionVariants, nil)
	for _, sc := range restrictionScripts {
		t.Run(sc.name, func(t *testing.T) { env.compare(t, sc) })
	}
}

// requireOracle skips a comparison test that cannot run here.
func requireOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real Postfix")
	}
	if os.Geteuid() != 0 {
		t.Skip("the Postfix oracle needs root")
	}
	for _, p := range []string{"/usr/sbin/postfix", "/usr/bin/unshare"} {
		if _, err := os.Stat(p); err != nil {
			t.Skip("no " + p)
		}
	}
}

// newRestrictionEnv starts the fake name server, the real Postfix and
// Postern's servers for variants; subst adds placeholders, deps changes
// the Deps of Postern's servers.
func newRestrictionEnv(t *testing.T, variants []oracleVariant, subst map[string]string,
	deps ...func(*restrictionEnv, *Deps)) *restrictionEnv {
	dir, err := os.MkdirTemp("", "postern-restrictions-") // readable by the postfix user
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	env := &restrictionEnv{dir: dir, ports: map[string]int{}, pst: map[string]*testServer{}, variants: variants,
		subst: map[string]string{"DIR": dir}}
	for k, v := range subst {
		env.subst[k] = v
	}
	env.startDNS(t)
	for name, text := range restrictionTables {
		write(t, filepath.Join(env.dir, name), text)
	}
	env.startOracle(t)
	for _, v := range env.variants {
		settings := env.settings(v)
		ts := startServer(t, settings, func(d *Deps) {
			d.FreeSpace, d.DNS, d.Names = freeSpace, env.dnsClient(), env.names()
			for _, f := range deps {
				f(env, d)
			}
		})
		ts.q.mu.Lock()
		ts.q.hexIDs = true
		ts.q.mu.Unlock()
		env.pst[v.name] = ts
	}
	return env
}

// startDNS serves the zone on port 53 of a random 127/8 address.
func (env *restrictionEnv) startDNS(t *testing.T) {
	for try := 0; ; try++ {
		env.dnsIP = fmt.Sprintf("127.%d.%d.%d", 10+rand.IntN(200), rand.IntN(250), 2+rand.IntN(250))
		c, err := net.ListenPacket("udp", env.dnsIP+":53")
		if err == nil {
			c.Close()
			break
		}
		if try > 20 {
			t.Skip("no free loopback address for the fake name server: ", err)
		}
	}
	env.dns = startFakeDNS(t, env.dnsIP+":53")
	for _, r := range restrictionZone {
		env.dns.add(r.name, r.typ, r.value)
	}
	for _, n := range restrictionServfail {
		env.dns.failWith(n, rcodeServFail)
	}
	write(t, filepath.Join(env.dir, "resolv.conf"), "nameserver "+env.dnsIP+"\noptions timeout:2 attempts:1\n")
}

// names is Go's resolver asking the fake server, for client names.
func (env *restrictionEnv) names() NameResolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, env.dnsIP+":53")
	}}
}

func (env *restrictionEnv) dnsClient() *DNS {
	return &DNS{Servers: []string{env.dnsIP + ":53"}, Timeout: 2 * time.Second, Attempts: 1}
}

// settings is main.cf for one variant, with DIR for the table directory.
func (env *restrictionEnv) settings(v oracleVariant) map[string]string {
	m := map[string]string{}
	for k, val := range oracleBase {
		m[k] = val
	}
	for k, val := range restrictionBase {
		m[k] = env.expand(val)
	}
	for k, val := range v.overrides {
		m[k] = env.expand(val)
	}
	return m
}

func (env *restrictionEnv) expand(v string) string {
	for k, r := range env.subst {
		v = strings.ReplaceAll(v, k, r)
	}
	return v
}

// startOracle starts the private Postfix in its own mount namespace.
func (env *restrictionEnv) startOracle(t *testing.T) {
	dir := filepath.Join(env.dir, "postfix")
	o := &oracle{dir: dir, ports: env.ports, logf: filepath.Join(dir, "maillog")}
	for _, d := range []string{"etc", "queue", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exec.Command("chown", "postfix", filepath.Join(dir, "data")).Run()
	var main, master strings.Builder
	for k, v := range env.settings(oracleVariant{}) {
		fmt.Fprintf(&main, "%s = %s\n", k, v)
	}
	fmt.Fprintf(&main, "queue_directory = %s/queue\ndata_directory = %s/data\n", dir, dir)
	fmt.Fprintf(&main, "maillog_file = %s\nmaillog_file_prefixes = %s\n", o.logf, env.dir)
	for _, v := range env.variants {
		env.ports[v.name] = freePort(t)
		fmt.Fprintf(&master, "127.0.0.1:%d inet n - n - - smtpd\n", env.ports[v.name])
		for k, val := range v.overrides {
			fmt.Fprintf(&master, "  -o {%s=%s}\n", k, env.expand(val))
		}
	}
	master.WriteString(oracleServices)
	write(t, filepath.Join(dir, "etc/main.cf"), main.String())
	write(t, filepath.Join(dir, "etc/master.cf"), master.String())
	t.Cleanup(func() { o.stop(t) })
	cmd := exec.Command("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
		`mount --bind "$1" /etc/resolv.conf && exec /usr/sbin/postfix -c "$2" start`, "sh",
		filepath.Join(env.dir, "resolv.conf"), filepath.Join(dir, "etc"))
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(o.logf)
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, log)
	}
	for _, v := range env.variants {
		waitPort(t, env.ports[v.name])
	}
	o.smtpdLines(t, len(env.variants))
	env.oracle = o
}

// compare runs one script against both and compares.
func (env *restrictionEnv) compare(t *testing.T, sc rscript) {
	from := sc.from
	if from == "" {
		from = "127.0.0.1"
	}
	want := runScriptFrom(t, fmt.Sprintf("127.0.0.1:%d", env.ports[sc.variant]), from, sc.script)
	wantLog := normalize(env.oracle.smtpdLines(t, 1))
	ts := env.pst[sc.variant]
	got := runScriptFrom(t, ts.ln.Addr().String(), from, sc.script)
	ts.waitLog(t, "info: disconnect from")
	gotLog := normalize(ts.takeLog())
	t.Logf("postfix replies:\n%s\npostfix log:\n%s", strings.Join(want, "\n"), strings.Join(wantLog, "\n"))
	compareLines(t, "reply", want, got)
	compareLines(t, "log", wantLog, gotLog)
}

// runScriptFrom is runScript with the client's source address chosen.
func runScriptFrom(t *testing.T, addr, from string, sc script) []string {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return runConn(c, sc)
}

// runConn plays a script on an open connection (runScript's loop).
func runConn(c net.Conn, sc script) []string {
	defer c.Close()
	r := newReader(c)
	var out []string
	read := func(wait time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(wait))
		rep, err := readReply(r)
		if err != nil {
			out = append(out, "("+err.Error()+")")
			return false
		}
		out = append(out, rep)
		return true
	}
	read(10 * time.Second)
	for _, st := range sc.steps {
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(st.send)); err != nil {
			out = append(out, "(EOF)")
			return normalize(out)
		}
		for i := 0; i < st.replies; i++ {
			if !read(10 * time.Second) {
				return normalize(out)
			}
		}
	}
	for read(2 * time.Second) {
	}
	return normalize(out)
}
