package resolve

import (
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// TestServiceProtocol talks to Resolver.Serve as a trivial-rewrite
// client does, and compares each reply with the real trivial-rewrite's.
func TestServiceProtocol(t *testing.T) {
	needOracle(t)
	dir := testDir(t, baseCF)
	r, _ := ourResolver(t, dir)
	a, b := net.Pipe()
	defer b.Close()
	done := make(chan error, 1)
	go func() { done <- r.Serve(a, 5*time.Second, true); a.Close() }()
	c := attr.NewConn(b, attr.Null, 5*time.Second)
	if err := c.ExpectProtocol(ServiceProtocol); err != nil {
		t.Fatal(err)
	}
	for _, req := range []attr.List{
		{{Name: "request", Value: "rewrite"}, {Name: "rule", Value: "local"}, {Name: "address", Value: "user"}},
		{{Name: "request", Value: "rewrite"}, {Name: "rule", Value: "remote"}, {Name: "address", Value: "host!user"}},
		{{Name: "request", Value: "resolve"}, {Name: "sender", Value: ""}, {Name: "address", Value: "u@sub.example.net"}},
		{{Name: "request", Value: "verify"}, {Name: "sender", Value: "s@x"}, {Name: "address", Value: "u@vmbox.example"}},
		{{Name: "request", Value: "resolve"}, {Name: "sender", Value: ""}, {Name: "address", Value: "u@example.com"}},
	} {
		got, err := c.Call(req)
		if err != nil {
			t.Fatal(err)
		}
		if want := oracle(t, dir, req); !reflect.DeepEqual(got, want) {
			t.Errorf("%v:\n got  %v\n want %v", req, got, want)
		}
	}
	b.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := r.answer(attr.List{{Name: "request", Value: "bogus"}}); err == nil {
		t.Error("bad command accepted")
	}
}
