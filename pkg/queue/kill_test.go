package queue

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

// TestKillAttr: KillAttr changes only the attribute's type byte, the
// attribute is gone for every later reader, and the rest of the file
// reads as before.
func TestKillAttr(t *testing.T) {
	l := testLayout(t, false)
	w, err := l.Create()
	must(t, err)
	must(t, w.AddAttr(AttrTraceFlags, "1024"))
	must(t, w.SetSender("s@x"))
	must(t, w.AddRecipient(Recipient{Address: "a@x"}))
	must(t, w.EndContent())
	must(t, w.AddAttr(AttrMessageID, "<m@x>"))
	must(t, w.Commit(Incoming))
	path := l.Path(Incoming, w.ID())
	before, _ := os.ReadFile(path)
	f, err := Open(path, true)
	must(t, err)
	must(t, f.KillAttr(AttrTraceFlags))
	must(t, f.KillAttr(AttrTraceFlags)) // gone: no error
	must(t, f.KillAttr("no_such_attribute"))
	if f.Attr(AttrTraceFlags) != "" {
		t.Errorf("in-core attribute kept")
	}
	f.Close()
	after, _ := os.ReadFile(path)
	if d := diffBytes(before, after); len(d) != 1 || after[d[0]] != RecKilled || before[d[0]] != RecAttr {
		t.Errorf("changed bytes at %v", d)
	}
	env, err := ReadEnvelope(path)
	must(t, err)
	want := map[string]string{AttrMessageID: "<m@x>"}
	if !reflect.DeepEqual(env.Attrs, want) || env.Sender != "s@x" || len(env.Recipients) != 1 {
		t.Errorf("after KillAttr: %+v", env)
	}
	// A killed record is no attribute: killing it again is refused.
	f, err = Open(path, true)
	must(t, err)
	defer f.Close()
	f.attrOffs = map[string]int64{AttrTraceFlags: int64(diffBytes(before, after)[0])}
	if err := f.KillAttr(AttrTraceFlags); !errors.Is(err, ErrCorrupt) {
		t.Errorf("KillAttr on a killed record: %v", err)
	}
}
