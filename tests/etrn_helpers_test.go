package tests

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/tests/harness"
)

// stockETRN sends "ETRN site" to the instance's smtp service and checks
// the reply.
func stockETRN(t *testing.T, inst *harness.Instance, site, want string) {
	t.Helper()
	c := inst.Dial(t, "smtp")
	defer c.Close()
	c.SetDeadline(time.Now().Add(harness.Timeout))
	r := bufio.NewReader(c)
	reply := func() string {
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("ETRN %s: %v", site, err)
			}
			last = strings.TrimRight(line, "\r\n")
			if len(last) < 4 || last[3] != '-' {
				return last
			}
		}
	}
	reply()
	for _, cmd := range []string{"EHLO client.example.test", "ETRN " + site} {
		fmt.Fprintf(c, "%s\r\n", cmd)
		if got := reply(); strings.HasPrefix(cmd, "ETRN") && got != want {
			t.Errorf("ETRN %s: got %q, want %q", site, got, want)
		}
	}
	fmt.Fprintf(c, "QUIT\r\n")
	reply()
}
