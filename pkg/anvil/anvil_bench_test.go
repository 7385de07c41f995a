package anvil

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of anvil requests per second: in the same process (the
// table alone) and over the UNIX socket (client, protocol and table),
// with one client and with one client per CPU. Each iteration is one
// request: a connect, a message, a recipient or a disconnect.

func requestMix(i int, ident string, l *Local) {
	switch i & 3 {
	case 0:
		l.Connect(ident)
	case 1:
		l.Message(ident)
	case 2:
		l.Recipient(ident)
	case 3:
		l.Disconnect(ident)
	}
}

func BenchmarkAnvilDirect(b *testing.B) {
	tb := NewTable(time.Minute, nil)
	l := tb.Open()
	idents := benchIdents(1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		requestMix(i, idents[(i>>2)&1023], l)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func BenchmarkAnvilDirectParallel(b *testing.B) {
	tb := NewTable(time.Minute, nil)
	idents := benchIdents(1024)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		l := tb.Open()
		off := int(n.Add(1)) * 97
		for i := 0; pb.Next(); i++ {
			requestMix(i, idents[((i>>2)+off)&1023], l)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func clientMix(i int, addr string, c *Client) error {
	var err error
	switch i & 3 {
	case 0:
		_, _, err = c.Connect("smtp", addr)
	case 1:
		_, err = c.Message("smtp", addr)
	case 2:
		_, err = c.Recipient("smtp", addr)
	case 3:
		err = c.Disconnect("smtp", addr)
	}
	return err
}

func BenchmarkAnvilSocket(b *testing.B) {
	ts := startTestServer(b, NewTable(time.Minute, nil))
	c := (&Endpoint{Network: "unix", Addr: ts.path, Timeout: 10 * time.Second}).NewClient()
	defer c.Close()
	addrs := benchAddrs(1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := clientMix(i, addrs[(i>>2)&1023], c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func BenchmarkAnvilSocketParallel(b *testing.B) {
	ts := startTestServer(b, NewTable(time.Minute, nil))
	ep := &Endpoint{Network: "unix", Addr: ts.path, Timeout: 10 * time.Second}
	addrs := benchAddrs(1024)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		c := ep.NewClient()
		defer c.Close()
		off := int(n.Add(1)) * 97
		for i := 0; pb.Next(); i++ {
			if err := clientMix(i, addrs[((i>>2)+off)&1023], c); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

func benchAddrs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("192.0.%d.%d", i>>8, i&255)
	}
	return out
}

func benchIdents(n int) []string {
	out := benchAddrs(n)
	for i := range out {
		out[i] = Ident("smtp", out[i])
	}
	return out
}
