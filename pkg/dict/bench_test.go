package dict

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkHashLookup measures in-process lookups in an mmap'ed table of
// 100,000 entries (half hits, half misses), the hot path of virtual,
// transport and access lookups. Target: over 2 million lookups/s/core.
func BenchmarkHashLookup(b *testing.B) {
	path := filepath.Join(b.TempDir(), "map")
	const n = 100000
	pairs := make([]string, 0, 2*n)
	for i := 0; i < n; i++ {
		pairs = append(pairs, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("mailbox%d@example.net", i))
	}
	buildTable(b, path, pairs...)
	d, err := Open("hash:"+path, Options{Flags: MapsFlags})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = fmt.Sprintf("user%d@example.com", (i*7919)%(2*n))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := d.Lookup(keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkVirtualAddrLookup measures a full virtual(5) address search
// (up to five key forms) against one hash table.
func BenchmarkVirtualAddrLookup(b *testing.B) {
	path := filepath.Join(b.TempDir(), "virtual")
	buildTable(b, path, "user@example.com", "x", "@example.org", "catchall")
	m, err := OpenMaps("virtual_alias_maps", "hash:"+path, Options{Flags: MapsFlags})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	addrs := []string{"user+ext@example.com", "other@example.org", "nobody@example.net"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.FindAddr(addrs[i%len(addrs)], virtualParams, FindDefault)
	}
}
