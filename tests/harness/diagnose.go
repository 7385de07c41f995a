package harness

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Diagnose describes the instance's state for a failure message: the
// files in each queue and the processes of the master's tree with their
// state and kernel wait channel, so that a message that did not arrive
// can be told apart from one that waits in a queue or a process that
// hangs.
func (inst *Instance) Diagnose() string {
	var b strings.Builder
	b.WriteString("queue files:\n")
	for _, q := range []string{"maildrop", "incoming", "active", "deferred", "hold", "corrupt"} {
		var names []string
		root := filepath.Join(inst.QueueDir, q)
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			info, ierr := d.Info()
			if ierr != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			names = append(names, fmt.Sprintf("%s(%v %s)", rel, info.Mode(), info.ModTime().Format("15:04:05.000")))
			return nil
		})
		fmt.Fprintf(&b, "  %s: %d %s\n", q, len(names), strings.Join(names, " "))
	}
	b.WriteString("processes:\n")
	data, err := os.ReadFile(filepath.Join(inst.QueueDir, "pid", "master.pid"))
	if err != nil {
		fmt.Fprintf(&b, "  no master pid: %v\n", err)
		return b.String()
	}
	master, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for _, pid := range processTree(master) {
		fmt.Fprintf(&b, "  %s\n", describeProcess(pid))
	}
	return b.String()
}

// processTree lists root and its descendants.
func processTree(root int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := procField(pid, 4); ok {
			parent[pid] = ppid
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		for pid, ppid := range parent {
			if ppid == tree[i] {
				tree = append(tree, pid)
			}
		}
	}
	return tree
}

// procField returns field n (1-based, as in proc(5)) of /proc/PID/stat
// for numeric fields after the command name.
func procField(pid, n int) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(s[i+1:])
	if n-3 < 0 || n-3 >= len(fields) {
		return 0, false
	}
	v, err := strconv.Atoi(fields[n-3])
	return v, err == nil
}

func describeProcess(pid int) string {
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	wchan, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid))
	state := "?"
	if s := string(stat); strings.LastIndexByte(s, ')') >= 0 {
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 {
			state = f[0]
		}
	}
	return fmt.Sprintf("%d %s state=%s wchan=%s", pid, strings.ReplaceAll(strings.TrimSpace(string(cmdline)), "\x00", " "), state, wchan)
}
