package postsuper

import (
	"bytes"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/queue"
	"github.com/postern/postern/pkg/showq/oracle"
)

// state maps queue ID to "queue" (plus "#" when forced to expire), for
// the message directories of a queue tree.
func state(t *testing.T, qdir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []string{"maildrop", "incoming", "active", "deferred", "hold", "corrupt"} {
		filepath.WalkDir(filepath.Join(qdir, q), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			st, _ := d.Info()
			v := q
			if st.Mode().Perm()&queue.ModeExpire != 0 {
				v += "#"
			}
			out[d.Name()] = v
			return nil
		})
	}
	return out
}

func realPostsuper(t *testing.T, pf *oracle.Postfix, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("/usr/sbin/postsuper", append([]string{"-c", pf.Dir}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	st := 0
	if ee, ok := err.(*exec.ExitError); ok {
		st = ee.ExitCode()
	}
	return errb.String(), st
}

func ourPostsuper(dir, stdin string, args ...string) (string, int) {
	var errb bytes.Buffer
	st := Run(Env{Args: append([]string{"postsuper", "-c", dir}, args...), Stdin: strings.NewReader(stdin), Stderr: &errb})
	return errb.String(), st
}

func TestOperationsMatchRealPostsuper(t *testing.T) {
	pf := oracle.Start(t)
	for _, r := range []string{"a", "b", "c", "d", "e", "f"} {
		pf.Send(t, "alice@example.org", "Subject: "+r+"\n\nx\n", r+"@example.net")
	}
	pf.Send(t, "alice@example.org", "Subject: hold me\n\nx\n", "h@example.net")
	msgs := pf.WaitQueue(t, 7)
	pf.Run(t, "postfix", "stop")
	pf.OwnLog()
	dir := oracle.EquivalentQueue(t, msgs)
	var ids []string
	hold := ""
	for _, m := range msgs {
		if m.Queue == "hold" {
			hold = m.ID
		} else {
			ids = append(ids, m.ID)
		}
	}
	slices.Sort(ids)
	steps := []struct {
		stdin string
		args  []string
	}{
		{"", []string{"-h", ids[0]}},
		{"", []string{"-H", ids[0]}},
		{"", []string{"-h", ids[1], "-H", ids[1], "-e", ids[2]}},
		{"", []string{"-e", ids[2]}}, // already expired: not counted
		{"", []string{"-f", hold}},
		{"", []string{"-d", ids[3]}},
		{"", []string{"-d", "nosuch!"}},
		{"", []string{"-d", "ABCDEF0123"}},
		{"", []string{"-r", ids[4]}},
		{ids[5] + "\n" + ids[0] + "\n", []string{"-h", "-"}},
		{"", []string{"-H", "ALL"}},
		{"", []string{"-h", "ALL", "deferred"}},
		{"", []string{"-d", "ALL", "bogus"}},
		{"", []string{"-x"}},
		{"", []string{"-c", "relative", "-d", "ALL"}},
		{"", []string{"-p"}},
		{"", []string{"-d", "ALL", "hold"}},
	}
	for _, s := range steps {
		real, rst := realPostsuper(t, pf, s.stdin, s.args...)
		got, gst := ourPostsuper(dir, s.stdin, s.args...)
		if real != got || rst != gst {
			t.Errorf("postsuper %v:\nreal (%d):\n%s\nours (%d):\n%s", s.args, rst, real, gst, got)
		}
		rs, os := state(t, filepath.Join(pf.Dir, "queue")), state(t, filepath.Join(dir, "queue"))
		if !mapsEqual(rs, os) {
			t.Errorf("after postsuper %v: real queue %v, ours %v", s.args, rs, os)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
