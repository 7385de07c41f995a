package getopt

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	opts, rest, err := Parse([]string{"-vc", "/etc", "-d", "ALL", "-p", "--", "-x", "q"}, "c:d:pv")
	want := []Opt{{'v', ""}, {'c', "/etc"}, {'d', "ALL"}, {'p', ""}}
	if err != nil || !reflect.DeepEqual(opts, want) || !reflect.DeepEqual(rest, []string{"-x", "q"}) {
		t.Errorf("Parse = %v %q %v", opts, rest, err)
	}
	if _, rest, _ := Parse([]string{"-v", "map", "-p"}, "pv"); !reflect.DeepEqual(rest, []string{"map", "-p"}) {
		t.Errorf("operands after the first: %q", rest)
	}
	for args, msg := range map[string]string{
		"-x": "invalid option -- 'x'",
		"-c": "option requires an argument -- 'c'",
	} {
		if _, _, err := Parse([]string{args}, "c:v"); err == nil || err.Error() != msg {
			t.Errorf("%s: %v, want %s", args, err, msg)
		}
	}
}
