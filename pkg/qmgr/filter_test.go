package qmgr

import (
	"fmt"
	"testing"

	"github.com/postern/postern/pkg/deliver"
	"github.com/postern/postern/pkg/queue"
)

// injectAttrs writes a message with queue file attributes into incoming.
func (h *harness) injectAttrs(attrs map[string]string, sender string, rcpts ...string) string {
	h.t.Helper()
	w, err := h.layout.Create()
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range attrs {
		w.AddAttr(k, v)
	}
	w.SetSender(sender)
	for _, r := range rcpts {
		if err := w.AddRecipient(queue.Recipient{Address: r, Orig: r, ORCPT: "rfc822;" + r}); err != nil {
			h.t.Fatal(err)
		}
	}
	fmt.Fprintf(w, "From: %s\nSubject: test\n\nbody line\n", sender)
	if err := w.Commit(queue.Incoming); err != nil {
		h.t.Fatal(err)
	}
	return w.ID()
}

func (a *fakeAgent) requestList() []*deliver.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*deliver.Request(nil), a.requests...)
}

// sentAll is an agent behaviour that delivers every recipient.
func sentAll(d *deliver.Delivery) error {
	for _, i := range d.Pending() {
		d.Sent(i, "filter", deliver.Simple("2.0.0", "ok"))
	}
	return nil
}

// A content filter sends every recipient, local ones too, to its
// transport and next hop with the address unchanged.
func TestContentFilterOverridesResolver(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(sentAll)
	h.start()
	id := h.injectAttrs(map[string]string{queue.AttrFilter: "smtp:[127.0.0.1]:10025"},
		"alice@example.org", "bob@example.net", "root@mx.example.com")
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	reqs := h.agent.requestList()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Transport != "smtp" || r.Nexthop != "[127.0.0.1]:10025" || len(r.Recipients) != 2 {
		t.Fatalf("request %s:%s with %d recipients, want smtp:[127.0.0.1]:10025 with 2", r.Transport, r.Nexthop, len(r.Recipients))
	}
	got := map[string]bool{}
	for _, rc := range r.Recipients {
		got[rc.Address] = true
	}
	if !got["bob@example.net"] || !got["root@mx.example.com"] {
		t.Errorf("recipients %v", got)
	}
}

// The next hop of a filter without one (qmgr_message_resolve).
func TestContentFilterNexthop(t *testing.T) {
	for _, c := range []struct {
		filter, def, rcpt, want string
	}{
		{"smtp:[10.0.0.1]:25", "ignored", "a@b.example", "[10.0.0.1]:25"},
		{"smtp:", "", "a@b.example", "b.example"},
		{"smtp", "", "a@b.example", "b.example"},
		{"smtp:", "[filter.example]", "a@b.example", "[filter.example]"},
		{"smtp:", "", "a", "mx.example.com"},
		{"smtp:", "", "a@", "mx.example.com"},
	} {
		h := newHarness(t, func(s *Settings) { s.DefaultFilterNexthop = c.def }, nil)
		msg := &message{env: &queue.Envelope{Attrs: map[string]string{queue.AttrFilter: c.filter}}}
		rt, ok := h.m.filterRoute(msg, c.rcpt)
		if !ok || rt.Transport != "smtp" || rt.Nexthop != c.want || rt.Recipient != c.rcpt {
			t.Errorf("%q default %q to %q: %+v %v, want smtp:%s", c.filter, c.def, c.rcpt, rt, ok, c.want)
		}
	}
}

// Address probes and sendmail -bv are not filtered; redirected mail
// is not either.
func TestContentFilterSkipped(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, c := range []struct {
		attrs  map[string]string
		tflags deliver.Flags
	}{
		{map[string]string{queue.AttrFilter: "smtp:x"}, deliver.FlagMTAVerify},
		{map[string]string{queue.AttrFilter: "smtp:x"}, deliver.FlagUserVerify},
		{map[string]string{queue.AttrFilter: "smtp:x", queue.AttrRedirect: "a@b"}, 0},
		{map[string]string{}, 0},
	} {
		msg := &message{env: &queue.Envelope{Attrs: c.attrs}, tflags: c.tflags}
		if rt, ok := h.m.filterRoute(msg, "u@example.net"); ok {
			t.Errorf("%v flags %d: filtered to %+v", c.attrs, c.tflags, rt)
		}
	}
	msg := &message{env: &queue.Envelope{Attrs: map[string]string{queue.AttrFilter: "smtp:x"}}, tflags: deliver.FlagRecord}
	if _, ok := h.m.filterRoute(msg, "u@example.net"); !ok {
		t.Error("sendmail -v mail is not filtered")
	}
}

// A redirected message keeps one recipient, the first by domain and
// address, with the redirect address; its original address stays for
// orig_to=. A content filter does not apply.
func TestRedirect(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.agent.set(sentAll)
	h.start()
	id := h.injectAttrs(map[string]string{queue.AttrRedirect: "judge@court.example", queue.AttrFilter: "smtp:[127.0.0.1]:10025"},
		"alice@example.org", "zed@b.example", "carol@a.example", "bob@a.example")
	h.m.Trigger([]byte("W"))
	h.waitLog(id + ": removed")
	reqs := h.agent.requestList()
	if len(reqs) != 1 || len(reqs[0].Recipients) != 1 {
		t.Fatalf("requests %+v, want one with one recipient", reqs)
	}
	r := reqs[0]
	rc := r.Recipients[0]
	if r.Transport != "smtp" || r.Nexthop != "court.example" || rc.Address != "judge@court.example" ||
		rc.OrigAddress != "bob@a.example" || rc.ORCPT != "rfc822;bob@a.example" {
		t.Errorf("request %s:%s recipient %+v", r.Transport, r.Nexthop, rc)
	}
}
