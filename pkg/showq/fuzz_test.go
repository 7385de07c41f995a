package showq

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/postern/postern/pkg/attr"
)

// FuzzReceive feeds arbitrary bytes after a valid announcement to the
// client side of the showq protocol: it must fail cleanly or list.
func FuzzReceive(f *testing.F) {
	var ok bytes.Buffer
	w := attr.NewWriter(&ok, attr.Null)
	w.Write(attr.List{{Name: "queue_name", Value: "deferred"}, {Name: "queue_id", Value: "ABC"},
		{Name: "time", Value: "1"}, {Name: "size", Value: "2"}, {Name: "forced_expire", Value: "0"}, {Name: "sender", Value: "a@b"}})
	w.Write(attr.List{{Name: "recipient", Value: "c@d"}, {Name: "reason", Value: "r"}})
	w.Write(nil)
	w.Write(nil)
	f.Add(ok.Bytes())
	f.Add([]byte("queue_name\x00x\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		defer a.Close()
		go func() {
			defer b.Close()
			aw := attr.NewWriter(b, attr.Null)
			aw.Write(attr.List{{Name: "protocol", Value: Protocol}})
			b.Write(data)
		}()
		c := attr.NewConn(a, attr.Null, time.Second)
		Receive(c, func(m *Message) error { return nil })
	})
}
