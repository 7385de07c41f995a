package server

import (
	"reflect"
	"testing"

	"github.com/postern/postern/pkg/config"
)

func TestParseFlags(t *testing.T) {
	f, err := parseFlags([]string{"-lz", "-n", "127.0.0.1:2525", "-t", "inet", "-u", "-c",
		"-o", "stress=", "-s2", "-ofoo = bar", "-v", "-v", "flags=R", "argv=/bin/x"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.solitary || !f.unlimited || !f.unpriv || !f.chroot || f.verbose != 2 {
		t.Errorf("flags %+v", f)
	}
	if f.service != "127.0.0.1:2525" || f.transport != "inet" || f.sockets != 2 {
		t.Errorf("values %+v", f)
	}
	want := []config.Option{{Name: "stress", Value: ""}, {Name: "foo", Value: "bar"}}
	if !reflect.DeepEqual(f.overrides, want) {
		t.Errorf("overrides %+v", f.overrides)
	}
	if !reflect.DeepEqual(f.args, []string{"flags=R", "argv=/bin/x"}) {
		t.Errorf("args %q", f.args)
	}
}

func TestStandalone(t *testing.T) {
	for argv, want := range map[string]bool{"-S": true, "-lSz": true, "-l": false} {
		f, err := parseFlags([]string{argv})
		if err != nil {
			t.Fatal(err)
		}
		if s := (&Server{flags: f}); s.Standalone() != want {
			t.Errorf("%s: Standalone() = %v", argv, s.Standalone())
		}
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for argv, want := range map[string]string{
		"-x":   "invalid option: x",
		"-s0":  "invalid socket_count: 0",
		"-r-1": "invalid retirement time: -1",
		"-n":   "option requires an argument -- n",
		"-o=x": `invalid "-o =x" option value: missing attribute name`,
	} {
		_, err := parseFlags([]string{argv})
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", argv, err, want)
		}
	}
}

func TestStatusRoundTrip(t *testing.T) {
	st := Status{PID: 4711, Gen: 0o17, Avail: StatAvail, Sessions: 3, Limit: 5}
	b := st.Marshal()
	if len(b) != StatusSize {
		t.Fatalf("size %d", len(b))
	}
	got, err := ParseStatus(b)
	if err != nil || got != st {
		t.Errorf("got %+v %v", got, err)
	}
	if _, err := ParseStatus(b[:12]); err == nil {
		t.Error("short message accepted")
	}
	// A message without the limit field, as the first releases sent.
	if got, err := ParseStatus(b[:16]); err != nil || got.Limit != 0 || got.Sessions != 3 {
		t.Errorf("16-byte message: %+v %v", got, err)
	}
}
