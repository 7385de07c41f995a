package tests

// Process-level tests of local(8) and virtual(8) under a real master:
// mail enters through smtpd, cleanup queues it, qmgr hands it to the
// local or virtual agent, which delivers to real users created with
// useradd (removed afterwards): UNIX mailboxes in a private spool
// directory, read back with GNU mailutils' mail(1); maildirs; aliases to
// users, commands, files and :include: lists; ~/.forward; address
// extensions; unknown users; Delivered-To: loops; mailbox_transport and
// local_transport through the error agent; virtual mailboxes and
// maildirs with uid/gid maps. The agents run as root, as in the stock
// master.cf, so these tests need root.

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/postern/postern/pkg/cleanup"
	"github.com/postern/postern/tests/harness"
)

const localMaster = "cleanup unix n - n - 0 cleanup\n" +
	"qmgr unix n - n 300 1 qmgr\n" +
	"local unix - n n - - local\n" +
	"virtual unix - n n - - virtual\n" +

	"error unix - - n - - error\n" +
	"retry unix - - n - - error\n"

// localUser is an account with a home directory, made for one test.
type localUser struct {
	name     string
	uid, gid int
	home     string
}

var localUsers atomic.Int32

// mkUser creates a user whose home directory is under dir; it is
// removed when the test ends.
func mkUser(t *testing.T, dir, tag string) localUser {
	t.Helper()
	// A number per user: tests that run at once may use the same tag.
	name := fmt.Sprintf("pl%d%s%d", os.Getpid()%100000, tag, localUsers.Add(1))
	home := filepath.Join(dir, "home", name)
	os.MkdirAll(filepath.Dir(home), 0o755)
	out, err := exec.Command("useradd", "-m", "-d", home, "-N", "-s", "/bin/sh", name).CombinedOutput()
	if err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return localUser{name: name, uid: uid, gid: gid, home: home}
}

func requireLocalRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the local and virtual agents run as root and deliver as test users")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		t.Skip("no postfix user (mail_owner) on this system")
	}
}

// localSetup is an instance for local delivery tests, with a private
// spool directory (root:mail 2775 like Debian's /var/mail, when there is
// a mail group) and alias table.
type localSetup struct {
	inst    *harness.Instance
	spool   string
	aliases string
	dir     string
	out     string // a world-writable directory for commands and files
}

func newLocalSetup(t *testing.T) *localSetup {
	t.Helper()
	requireLocalRoot(t)
	inst := harness.New(t, nil, localMaster)
	ls := &localSetup{inst: inst, dir: inst.Dir, spool: filepath.Join(inst.Dir, "spool"),
		aliases: filepath.Join(inst.Dir, "aliases"), out: filepath.Join(inst.Dir, "out")}
	os.MkdirAll(ls.spool, 0o755)
	os.Chmod(ls.spool, 0o775|os.ModeSetgid)
	if g, err := user.LookupGroup("mail"); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		os.Chown(ls.spool, 0, gid)
	}
	os.MkdirAll(ls.out, 0o777)
	os.Chmod(ls.out, 0o777)
	return ls
}

// start writes main.cf (the spool directory, the alias table, no
// recipient check at RCPT time, then lines) and starts the instance.
func (ls *localSetup) start(t *testing.T, lines ...string) {
	t.Helper()
	if _, err := os.Stat(ls.aliases + ".db"); err != nil {
		ls.writeAliases(t, "postmaster: root\n")
	}
	ls.inst.WriteMainCF(t, append([]string{
		"mail_spool_directory = " + ls.spool,
		"alias_maps = hash:" + ls.aliases,
		"alias_database = hash:" + ls.aliases,
		"local_recipient_maps =",
		"biff = no",
		"minimal_backoff_time = 300s",
	}, lines...))
	ls.inst.Start(t)
}

// writeAliases writes and compiles the alias table as root.
func (ls *localSetup) writeAliases(t *testing.T, text string) {
	t.Helper()
	if err := os.WriteFile(ls.aliases, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	postalias(t, ls, ls.aliases)
}

// postalias builds an alias table.
func postalias(t *testing.T, ls *localSetup, path string) {
	t.Helper()
	bin := harness.Build(t, "postalias")
	out, err := exec.Command(filepath.Join(bin, "postalias"), "-c", ls.inst.ConfigDir, path).CombinedOutput()
	if err != nil {
		t.Fatalf("postalias: %v\n%s", err, out)
	}
}

// send queues a message through the cleanup daemon (public/cleanup),
// as pickup would, and returns its queue ID; cleanup wakes qmgr.
// content is the header and body, with LF line ends.
func (ls *localSetup) send(t *testing.T, from string, to []string, content string) string {
	t.Helper()
	var cl *cleanup.Client
	harness.Eventually(t, "the cleanup service", func() bool {
		var err error
		cl, err = cleanup.Dial(filepath.Join(ls.inst.QueueDir, "public", "cleanup"), harness.Timeout)
		return err == nil
	})
	defer cl.Close()
	m, err := cl.Begin(cleanup.Meta{Origin: "pickup", LocalUID: 0})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSender(from, "", "")
	for _, rc := range to {
		m.AddRecipient(rc, "", "")
	}
	m.Write([]byte(content))
	id, err := m.Commit()
	if err != nil {
		t.Fatalf("queue message: %v", err)
	}
	return id
}

// sentLine waits for the delivery log line of rcpt with the given
// relay and status text, and returns the whole line.
func (ls *localSetup) waitStatus(t *testing.T, prog, rcpt, status, reason string) string {
	t.Helper()
	m := ls.inst.WaitLog(t, `(postfix/`+prog+`\[\d+\]: [0-9A-F]+: to=<`+regexpQuote(rcpt)+`>.* status=`+status+
		` \(`+regexpQuote(reason)+`\))`)
	return m[1]
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `.`, `\.`, `+`, `\+`, `*`, `\*`, `?`, `\?`, `(`, `\(`, `)`, `\)`,
		`[`, `\[`, `]`, `\]`, `{`, `\{`, `}`, `\}`, `^`, `\^`, `$`, `\$`, `|`, `\|`)
	return r.Replace(s)
}

// owner returns a file's user and group.
func owner(t *testing.T, path string) (int, int) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s := st.Sys().(*syscall.Stat_t)
	return int(s.Uid), int(s.Gid)
}

// readMbox reads a UNIX mailbox with GNU mailutils' mail(1): the header
// summary lines (one per message) and message n as mail prints it. The
// mailbox is left as it was ("x" exits without saving).
func readMbox(t *testing.T, path string, n int) (summary []string, msg string) {
	t.Helper()
	if _, err := exec.LookPath("mail"); err != nil {
		t.Skip("no mail(1): install mailutils")
	}
	out, err := exec.Command("mail", "-n", "-H", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("mail -H -f %s: %v\n%s", path, err, out)
	}
	summary = strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	cmd := exec.Command("mail", "-n", "-N", "-f", path)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("p %d\nx\n", n))
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mail -f %s: %v\n%s", path, err, out)
	}
	return summary, string(out)
}

// mustRead returns a file's content.
func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// waitFile waits until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	harness.Eventually(t, path, func() bool { _, err := os.Stat(path); return err == nil })
}

// TestLocalDelivery delivers to the mailboxes of real users in a
// private spool directory and through the alias table, .forward files
// and address extensions, all in one instance.
func TestLocalDelivery(t *testing.T) {
	ls := newLocalSetup(t)
	a := mkUser(t, ls.dir, "a")
	b := mkUser(t, ls.dir, "b")
	d := mkUser(t, ls.dir, "d")
	os.WriteFile(filepath.Join(ls.out, "list.txt"), []byte("# members\n"+a.name+"\n"), 0o644)
	ls.writeAliases(t, "postmaster: root\n"+
		"root: "+a.name+"\n"+
		"cmdtest: \"|/bin/sh -c 'env > "+ls.out+"/cmd.env; cat > "+ls.out+"/cmd.msg'\"\n"+
		"filetest: "+ls.out+"/file.mbox\n"+
		"listtest: :include:"+ls.out+"/list.txt\n")
	writeUserFile(t, b, ".forward", a.name+"\n")
	// A second alias table, owned by b: its commands run as b.
	userAliases := filepath.Join(ls.dir, "user-aliases")
	os.WriteFile(userAliases, []byte("bcmd: \"|/bin/sh -c 'id -u > "+ls.out+"/bcmd.uid'\"\n"), 0o644)
	postalias(t, ls, userAliases)
	os.Chown(userAliases, b.uid, b.gid)
	os.Chown(userAliases+".db", b.uid, b.gid)
	writeUserFile(t, b, ".forward+env", "\"|/bin/sh -c 'echo $EXTENSION $USER $HOME > "+ls.out+"/ext.txt'\"\n")
	e := mkUser(t, ls.dir, "e")
	ls.start(t, "recipient_delimiter = +", "alias_maps = hash:"+ls.aliases+", hash:"+userAliases,
		"mailbox_transport_maps = inline:{ { "+d.name+" = error:5.2.1 mailbox is closed } }",
		"mailbox_command_maps = inline:{ { "+e.name+" = /bin/sh -c 'echo $$HOME $$SHELL > "+ls.out+"/mc.env; cat > "+ls.out+"/mc.msg' } }")
	dom := "@mx.example.test"
	mbox := filepath.Join(ls.spool, a.name)

	t.Run("mailbox", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{a.name + dom}, "Subject: one\n\nFrom here\n")
		line := ls.waitStatus(t, "local", a.name+dom, "sent", "delivered to mailbox")
		if !strings.Contains(line, ", relay=local, ") || !strings.Contains(line, ", dsn=2.0.0, ") {
			t.Errorf("log line: %s", line)
		}
		uid, _ := owner(t, mbox)
		if uid != a.uid {
			t.Errorf("mailbox owned by uid %d, want %d", uid, a.uid)
		}
		raw := mustRead(t, mbox)
		for _, want := range []string{"From alice@example.org  ", "\nReturn-Path: <alice@example.org>\n",
			"\nX-Original-To: " + a.name + dom + "\n", "\nDelivered-To: " + a.name + dom + "\n",
			"\n>From here\n\n"} {
			if !strings.Contains(raw, want) {
				t.Errorf("mailbox lacks %q:\n%s", want, raw)
			}
		}
		summary, msg := readMbox(t, mbox, 1)
		if len(summary) != 1 || !strings.Contains(msg, "Subject: one") || !strings.Contains(msg, "\nFrom here\n") {
			t.Errorf("mail(1) reads:\n%s\n%s", strings.Join(summary, "\n"), msg)
		}
	})
	t.Run("root alias", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"root" + dom}, "Subject: for root\n\nhi\n")
		line := ls.waitStatus(t, "local", a.name+dom, "sent", "delivered to mailbox")
		ls.inst.WaitLog(t, `to=<`+regexpQuote(a.name+dom)+`>, orig_to=<root@mx\.example\.test>, relay=local, .*status=sent \(delivered to mailbox\)`)
		_ = line
		harness.Eventually(t, "two messages in the mailbox", func() bool {
			return strings.Count(mustRead(t, mbox), "\nFrom alice@example.org  ") == 1
		})
		summary, msg := readMbox(t, mbox, 2)
		if len(summary) != 2 || !strings.Contains(msg, "X-Original-To: root"+dom) {
			t.Errorf("mail(1) reads:\n%s\n%s", strings.Join(summary, "\n"), msg)
		}
	})
	t.Run("command", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"cmdtest" + dom}, "Subject: cmd\n\nbody\n")
		ls.waitStatus(t, "local", "cmdtest"+dom, "sent",
			"delivered to command: /bin/sh -c 'env > "+ls.out+"/cmd.env; cat > "+ls.out+"/cmd.msg'")
		msg := mustRead(t, filepath.Join(ls.out, "cmd.msg"))
		if !strings.HasPrefix(msg, "From alice@example.org  ") || !strings.Contains(msg, "\nDelivered-To: cmdtest"+dom+"\n") ||
			!strings.HasSuffix(msg, "\nbody\n") {
			t.Errorf("command input:\n%s", msg)
		}
		env := mustRead(t, filepath.Join(ls.out, "cmd.env"))
		for _, want := range []string{"RECIPIENT=cmdtest" + dom, "USER=cmdtest", "LOGNAME=cmdtest", "LOCAL=cmdtest",
			"DOMAIN=mx.example.test", "SENDER=alice@example.org", "PATH=/usr/bin:/bin", "ORIGINAL_RECIPIENT=cmdtest" + dom} {
			if !strings.Contains("\n"+env, "\n"+want+"\n") {
				t.Errorf("command environment lacks %s:\n%s", want, env)
			}
		}
		if strings.Contains("\n"+env, "\nHOME=") {
			t.Errorf("root-owned alias: command has HOME:\n%s", env)
		}
		nobody, _ := user.Lookup("nobody")
		if uid, _ := owner(t, filepath.Join(ls.out, "cmd.msg")); strconv.Itoa(uid) != nobody.Uid {
			t.Errorf("command ran as uid %d, want default_privs (nobody)", uid)
		}
	})
	t.Run("user-owned alias table", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"bcmd" + dom}, "Subject: bcmd\n\nbody\n")
		ls.waitStatus(t, "local", "bcmd"+dom, "sent", "delivered to command: /bin/sh -c 'id -u > "+ls.out+"/bcmd.uid'")
		if got := mustRead(t, filepath.Join(ls.out, "bcmd.uid")); got != strconv.Itoa(b.uid)+"\n" {
			t.Errorf("command of %s's alias table ran as uid %q, want %d", b.name, got, b.uid)
		}
	})
	t.Run("file", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"filetest" + dom}, "Subject: file\n\nbody\n")
		ls.waitStatus(t, "local", "filetest"+dom, "sent", "delivered to file: "+ls.out+"/file.mbox")
		summary, _ := readMbox(t, filepath.Join(ls.out, "file.mbox"), 1)
		if len(summary) != 1 {
			t.Errorf("file mailbox: %v", summary)
		}
	})
	t.Run("include", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"listtest" + dom}, "Subject: list\n\nbody\n")
		m := ls.inst.WaitLog(t, `to=<listtest@mx\.example\.test>, relay=local, .*dsn=2\.0\.0, status=sent \(forwarded as ([0-9A-F]+)\)`)
		// The forwarded recipient keeps its original recipient, as in Postfix.
		ls.inst.WaitLog(t, `postfix/local\[\d+\]: `+m[1]+`: to=<`+regexpQuote(a.name+dom)+`>, orig_to=<listtest@mx\.example\.test>, relay=local, .*status=sent \(delivered to mailbox\)`)
		if !strings.Contains(mustRead(t, mbox), "\nDelivered-To: listtest"+dom+"\n") {
			t.Errorf("forwarded message lacks Delivered-To: listtest")
		}
	})
	t.Run("forward", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{b.name + dom}, "Subject: fwd\n\nbody\n")
		m := ls.inst.WaitLog(t, `to=<`+regexpQuote(b.name+dom)+`>, relay=local, .*status=sent \(forwarded as ([0-9A-F]+)\)`)
		ls.inst.WaitLog(t, m[1]+`: to=<`+regexpQuote(a.name+dom)+`>, orig_to=<`+regexpQuote(b.name+dom)+`>, relay=local, .*status=sent \(delivered to mailbox\)`)
		if _, err := os.Stat(filepath.Join(ls.spool, b.name)); err == nil {
			t.Errorf("%s has a mailbox despite ~/.forward", b.name)
		}
	})
	t.Run("extension", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{a.name + "+news" + dom}, "Subject: ext\n\nbody\n")
		ls.waitStatus(t, "local", a.name+"+news"+dom, "sent", "delivered to mailbox")
		ls.send(t, "alice@example.org", []string{b.name + "+env" + dom}, "Subject: ext\n\nbody\n")
		ls.waitStatus(t, "local", b.name+"+env"+dom, "sent",
			"delivered to command: /bin/sh -c 'echo $EXTENSION $USER $HOME > "+ls.out+"/ext.txt'")
		got := mustRead(t, filepath.Join(ls.out, "ext.txt"))
		if got != "env "+b.name+" "+b.home+"\n" {
			t.Errorf("ext.txt = %q", got)
		}
		if uid, _ := owner(t, filepath.Join(ls.out, "ext.txt")); uid != b.uid {
			t.Errorf(".forward command ran as uid %d, want %d", uid, b.uid)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"nosuchuser" + dom}, "Subject: x\n\nbody\n")
		line := ls.waitStatus(t, "local", "nosuchuser"+dom, "bounced", `unknown user: "nosuchuser"`)
		if !strings.Contains(line, ", dsn=5.1.1, ") {
			t.Errorf("log line: %s", line)
		}
	})
	t.Run("loop", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{a.name + dom},
			"Delivered-To: "+strings.ToUpper(a.name)+dom+"\nSubject: loop\n\nbody\n")
		line := ls.waitStatus(t, "local", a.name+dom, "bounced", "mail forwarding loop for "+a.name+dom)
		if !strings.Contains(line, ", dsn=5.4.6, ") {
			t.Errorf("log line: %s", line)
		}
	})
	t.Run("mailbox_command_maps", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{e.name + dom}, "Subject: mc\n\nbody\n")
		ls.waitStatus(t, "local", e.name+dom, "sent",
			"delivered to command: /bin/sh -c 'echo $HOME $SHELL > "+ls.out+"/mc.env; cat > "+ls.out+"/mc.msg'")
		if got := mustRead(t, filepath.Join(ls.out, "mc.env")); got != e.home+" /bin/sh\n" {
			t.Errorf("mc.env = %q", got)
		}
		if uid, gid := owner(t, filepath.Join(ls.out, "mc.msg")); uid != e.uid || gid != e.gid {
			t.Errorf("mailbox command ran as %d:%d, want %d:%d", uid, gid, e.uid, e.gid)
		}
	})
	t.Run("mailbox_transport_maps", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{d.name + dom}, "Subject: x\n\nbody\n")
		ls.inst.WaitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: passing <`+regexpQuote(d.name+dom)+`> to transport=error`)
		line := ls.waitStatus(t, "error", d.name+dom, "bounced", "mailbox is closed")
		if !strings.Contains(line, ", relay=none, ") || !strings.Contains(line, ", dsn=5.2.1, ") {
			t.Errorf("log line: %s", line)
		}
	})
}

// writeUserFile writes a file in a user's home directory, owned by the
// user, mode 0644.
func writeUserFile(t *testing.T, u localUser, name, text string) {
	t.Helper()
	path := filepath.Join(u.home, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chown(path, u.uid, u.gid)
}

// TestVirtualDelivery delivers to a virtual maildir and a virtual
// mailbox owned by the uid and gid of the maps.
func TestVirtualDelivery(t *testing.T) {
	ls := newLocalSetup(t)
	v := mkUser(t, ls.dir, "v")
	base := filepath.Join(ls.dir, "vmail")
	os.MkdirAll(base, 0o755)
	os.Chown(base, v.uid, v.gid)
	maps := filepath.Join(ls.dir, "vmailbox")
	os.WriteFile(maps, []byte("u1@virt.example.test u1/Maildir/\nu2@virt.example.test u2.mbox\n"), 0o644)
	ls.start(t, "virtual_mailbox_domains = virt.example.test",
		"virtual_mailbox_base = "+base,
		"virtual_mailbox_maps = texthash:"+maps,
		"virtual_uid_maps = static:"+strconv.Itoa(v.uid),
		"virtual_gid_maps = static:"+strconv.Itoa(v.gid),
		"recipient_delimiter = +")
	t.Run("maildir", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"u1@virt.example.test"}, "Subject: v1\n\nbody\n")
		line := ls.waitStatus(t, "virtual", "u1@virt.example.test", "sent", "delivered to maildir")
		if !strings.Contains(line, ", relay=virtual, ") {
			t.Errorf("log line: %s", line)
		}
		files, _ := filepath.Glob(filepath.Join(base, "u1/Maildir/new/*"))
		if len(files) != 1 {
			t.Fatalf("new/: %v", files)
		}
		if uid, gid := owner(t, files[0]); uid != v.uid || gid != v.gid {
			t.Errorf("maildir file owned by %d:%d, want %d:%d", uid, gid, v.uid, v.gid)
		}
		msg := mustRead(t, files[0])
		if !strings.HasPrefix(msg, "Return-Path: <alice@example.org>\nX-Original-To: u1@virt.example.test\nDelivered-To: u1@virt.example.test\n") {
			t.Errorf("maildir message:\n%s", msg)
		}
	})
	t.Run("mailbox", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"u2+tag@virt.example.test"}, "Subject: v2\n\nFrom body\n")
		ls.waitStatus(t, "virtual", "u2+tag@virt.example.test", "sent", "delivered to mailbox")
		path := filepath.Join(base, "u2.mbox")
		if uid, _ := owner(t, path); uid != v.uid {
			t.Errorf("mailbox owned by %d, want %d", uid, v.uid)
		}
		summary, msg := readMbox(t, path, 1)
		if len(summary) != 1 || !strings.Contains(msg, "Delivered-To: u2+tag@virt.example.test") {
			t.Errorf("mail(1) reads:\n%s\n%s", strings.Join(summary, "\n"), msg)
		}
		if !strings.Contains(mustRead(t, path), "\n>From body\n\n") {
			t.Errorf("no From_ quoting or final blank line:\n%s", mustRead(t, path))
		}
	})
	t.Run("unknown", func(t *testing.T) {
		ls.send(t, "alice@example.org", []string{"u3@virt.example.test"}, "Subject: v3\n\nbody\n")
		ls.waitStatus(t, "virtual", "u3@virt.example.test", "bounced", `unknown user: "u3@virt.example.test"`)
	})
}

// TestLocalHomeMaildir: home_mailbox = Maildir/ delivers into the
// user's ~/Maildir/new, owned by the user.
func TestLocalHomeMaildir(t *testing.T) {
	ls := newLocalSetup(t)
	c := mkUser(t, ls.dir, "c")
	ls.start(t, "home_mailbox = Maildir/", "luser_relay = "+c.name)
	ls.send(t, "alice@example.org", []string{c.name + "@mx.example.test"}, "Subject: md\n\nbody\n")
	ls.waitStatus(t, "local", c.name+"@mx.example.test", "sent", "delivered to maildir")
	files, _ := filepath.Glob(filepath.Join(c.home, "Maildir", "new", "*"))
	if len(files) != 1 {
		t.Fatalf("Maildir/new: %v", files)
	}
	for _, p := range []string{files[0], filepath.Join(c.home, "Maildir"), filepath.Join(c.home, "Maildir", "cur")} {
		if uid, _ := owner(t, p); uid != c.uid {
			t.Errorf("%s owned by uid %d, want %d", p, uid, c.uid)
		}
	}
	msg := mustRead(t, files[0])
	if !strings.HasPrefix(msg, "Return-Path: <alice@example.org>\nX-Original-To: "+c.name+"@mx.example.test\nDelivered-To: ") {
		t.Errorf("message:\n%s", msg)
	}
	// luser_relay: mail for an unknown user goes to the relay address.
	ls.send(t, "alice@example.org", []string{"nobody-here@mx.example.test"}, "Subject: lost\n\nbody\n")
	ls.inst.WaitLog(t, `postfix/local\[\d+\]: [0-9A-F]+: to=<`+regexpQuote(c.name)+`@mx\.example\.test>, orig_to=<nobody-here@mx\.example\.test>, relay=local, .*status=sent \(delivered to maildir\)`)
}

// TestLocalTransportError: with local_transport = error:TEXT, mail for
// local users bounces through the error agent.
func TestLocalTransportError(t *testing.T) {
	ls := newLocalSetup(t)
	ls.start(t, "local_transport = error:5.7.1 local delivery is disabled")
	ls.send(t, "alice@example.org", []string{"root@mx.example.test"}, "Subject: x\n\nbody\n")
	line := ls.waitStatus(t, "error", "root@mx.example.test", "bounced", "local delivery is disabled")
	if !strings.Contains(line, ", relay=none, ") || !strings.Contains(line, ", dsn=5.7.1, ") {
		t.Errorf("log line: %s", line)
	}
	if strings.Contains(ls.inst.Log(), "postfix/local[") {
		t.Errorf("the local agent ran:\n%s", ls.inst.Log())
	}
}
