package scache

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Cache is the multi-instance connection cache (scache_multi.c). Safe
// for concurrent use; expired bindings are dropped by timers.
type Cache struct {
	mu    sync.Mutex
	dests map[string][]*destBinding
	endps map[string][]*endpBinding
	sess  int
}

type destBinding struct {
	endpLabel, prop string
	timer           *time.Timer
}

type endpBinding struct {
	fd    int
	prop  string
	timer *time.Timer
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{dests: map[string][]*destBinding{}, endps: map[string][]*endpBinding{}}
}

// SaveEndp caches connection fd for endpoint label for ttl; the cache
// owns fd from now on (scache_multi_save_endp). Newest first.
func (c *Cache) SaveEndp(ttl time.Duration, label, prop string, fd int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := &endpBinding{fd: fd, prop: prop}
	c.endps[label] = append([]*endpBinding{b}, c.endps[label]...)
	c.sess++
	b.timer = time.AfterFunc(ttl, func() { c.expireEndp(label, b) })
}

func (c *Cache) expireEndp(label string, b *endpBinding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removeEndp(label, b) {
		unix.Close(b.fd)
	}
}

// removeEndp unlinks a binding; called with c.mu held.
func (c *Cache) removeEndp(label string, b *endpBinding) bool {
	list := c.endps[label]
	for i, x := range list {
		if x == b {
			list = append(list[:i:i], list[i+1:]...)
			if len(list) == 0 {
				delete(c.endps, label)
			} else {
				c.endps[label] = list
			}
			c.sess--
			b.timer.Stop()
			return true
		}
	}
	return false
}

// FindEndp hands over the first connection cached for label, or -1
// (scache_multi_find_endp). The caller owns the descriptor.
func (c *Cache) FindEndp(label string) (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.findEndp(label)
}

func (c *Cache) findEndp(label string) (int, string) {
	list := c.endps[label]
	if len(list) == 0 {
		return -1, ""
	}
	b := list[0]
	c.removeEndp(label, b)
	return b.fd, b.prop
}

// SaveDest binds destination label to endpoint endpLabel for ttl; an
// existing identical binding gets the new expiry (scache_multi_save_dest).
func (c *Cache) SaveDest(ttl time.Duration, label, prop, endpLabel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.dests[label] {
		if b.endpLabel == endpLabel && b.prop == prop {
			b.timer.Reset(ttl)
			return
		}
	}
	b := &destBinding{endpLabel: endpLabel, prop: prop}
	c.dests[label] = append([]*destBinding{b}, c.dests[label]...)
	b.timer = time.AfterFunc(ttl, func() { c.expireDest(label, b) })
}

func (c *Cache) expireDest(label string, b *destBinding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.dests[label]
	for i, x := range list {
		if x == b {
			list = append(list[:i:i], list[i+1:]...)
			if len(list) == 0 {
				delete(c.dests, label)
			} else {
				c.dests[label] = list
			}
			return
		}
	}
}

// FindDest hands over a connection to any endpoint bound to the
// destination (scache_multi_find_dest): descriptor, destination and
// endpoint properties; -1 when there is none.
func (c *Cache) FindDest(label string) (int, string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.dests[label] {
		if fd, endpProp := c.findEndp(b.endpLabel); fd >= 0 {
			return fd, b.prop, endpProp
		}
	}
	return -1, "", ""
}

// Size is the number of destinations, endpoints and sessions.
func (c *Cache) Size() (dests, endps, sess int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.dests), len(c.endps), c.sess
}

// Close drops everything and closes the cached connections.
func (c *Cache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for label, list := range c.endps {
		for _, b := range list {
			b.timer.Stop()
			unix.Close(b.fd)
		}
		delete(c.endps, label)
	}
	for label, list := range c.dests {
		for _, b := range list {
			b.timer.Stop()
		}
		delete(c.dests, label)
	}
	c.sess = 0
}
