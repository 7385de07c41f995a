package queue

import (
	"io"
	"os"
	"testing"
)

func TestMaildropCommit(t *testing.T) {
	l, err := NewLayoutFrom(t.TempDir(), nil, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Mkdirs(); err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateMaildrop()
	if err != nil {
		t.Fatal(err)
	}
	w.AddAttr(AttrLocalUID, "1000")
	w.SetSender("alice")
	w.AddRecipient(Recipient{Address: "bob@example.com"})
	io.WriteString(w, "Subject: x\n\nbody\n")
	w.EndContent()
	w.AddRecipient(Recipient{Address: "extracted@example.com"})
	if err := w.CommitMaildrop(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(l.QueueDir(Maildrop))
	if len(ents) != 1 || ents[0].Name() != w.ID() {
		t.Fatalf("maildrop holds %v, want only %s", ents, w.ID())
	}
	st, _ := os.Stat(l.Path(Maildrop, w.ID()))
	if st.Mode().Perm() != ModeMaildrop || !IsComplete(st.Mode()) {
		t.Errorf("mode %v, want %v", st.Mode(), ModeMaildrop)
	}
	env, err := ReadEnvelope(l.Path(Maildrop, w.ID()))
	if err != nil {
		t.Fatal(err)
	}
	if env.Sender != "alice" || len(env.Recipients) != 2 || env.Attr(AttrLocalUID) != "1000" {
		t.Errorf("envelope %+v", env)
	}
}

func TestMaildropAbort(t *testing.T) {
	l, _ := NewLayoutFrom(t.TempDir(), nil, 1, false)
	l.Mkdirs()
	w, err := l.CreateMaildrop()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "x")
	w.Abort()
	if ents, _ := os.ReadDir(l.QueueDir(Maildrop)); len(ents) != 0 {
		t.Errorf("maildrop holds %v after Abort", ents)
	}
}
