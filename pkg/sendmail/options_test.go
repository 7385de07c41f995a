package sendmail

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/postern/postern/pkg/submit"
)

func TestGetopt(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string // "c=arg" items, then "| operands"
		errs string
	}{
		{"sendmail -t -i a@b", "t= i= | a@b", ""},
		{"sendmail -ti -fme a@b", "t= i= f=me | a@b", ""},
		{"sendmail -f me -F Full a@b", "f=me F=Full | a@b", ""},
		{"sendmail a@b -t", "| a@b -t", ""}, // no permutation ("+" option string)
		{"sendmail -- -t", "| -t", ""},
		{"sendmail - x", "| - x", ""},
		{"sendmail -Z x", "?= | x", "sendmail: invalid option -- 'Z'\n"},
		{"sendmail -f", "?= |", "sendmail: option requires an argument -- 'f'\n"},
		{"sendmail -oi -odb x", "o=i o=db | x", ""},
	} {
		var errs bytes.Buffer
		g := submit.NewGetopt(strings.Fields(tc.args), optionList)
		g.Stderr = &errs
		var got []string
		for {
			c, arg, ok := g.Next()
			if !ok {
				break
			}
			got = append(got, fmt.Sprintf("%c=%s", c, arg))
		}
		got = append(got, "|")
		got = append(got, g.Operands()...)
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, s, tc.want)
		}
		if errs.String() != tc.errs {
			t.Errorf("%q: stderr %q, want %q", tc.args, errs.String(), tc.errs)
		}
	}
}

func TestNotifyMask(t *testing.T) {
	var errs bytes.Buffer
	r := &submit.Reporter{Tag: "sendmail", Stderr: &errs}
	for in, want := range map[string]int{
		"success,failure": 2 | 4, "NEVER": 1, "delay": 8, "never,success": 0, "bogus": 0, "": 0,
	} {
		if got := notifyMask(r, in); got != want {
			t.Errorf("notifyMask(%q) = %d, want %d", in, got, want)
		}
	}
	if want := "sendmail: warning: unknown DSN NOTIFY command value \"bogus\" in \"bogus\"\n"; errs.String() != want {
		t.Errorf("stderr %q, want %q", errs.String(), want)
	}
}
