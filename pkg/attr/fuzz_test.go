package attr

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder of each encoding. The
// decoder must never panic or exceed its limits, and whatever it accepts
// must survive a write/read round trip unchanged.
func FuzzDecode(f *testing.F) {
	f.Add(byte(0), []byte("protocol\x00delivery_request_protocol\x00\x00"))
	f.Add(byte(1), []byte("cHJvdG9jb2w=:YW52aWxfcHJvdG9jb2w=\n\n"))
	f.Add(byte(2), []byte("request=connect\nident=smtp:192.0.2.1\n\n"))
	f.Add(byte(2), []byte("{\na=b\n}\n\n"))
	f.Add(byte(0), []byte("{\x00a\x00b\x00}\x00\x00"))
	f.Fuzz(func(t *testing.T, e byte, in []byte) {
		enc := Encoding(e % 3)
		r := NewReader(bytes.NewReader(in), enc)
		r.Limits = Limits{MaxString: 4096, MaxAttrs: 256}
		l, err := r.Read()
		if err != nil {
			return
		}
		if len(l) > 256 {
			t.Fatalf("limit exceeded: %d attributes", len(l))
		}
		var b bytes.Buffer
		if err := NewWriter(&b, enc).Write(l); err != nil {
			t.Fatalf("re-encode %v: %v", l, err)
		}
		again, err := NewReader(&b, enc).Read()
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if !reflect.DeepEqual(l, again) && !(len(l) == 0 && len(again) == 0) {
			t.Fatalf("round trip: %v != %v", l, again)
		}
	})
}
