package smtpd

import "sync"

// resolveCache keeps recent resolver answers, as smtpd_resolve.c keeps
// a 100-entry cache for the process lifetime: the same sender and
// recipient are resolved for the address syntax check and again for
// relay control, and busy servers see the same pairs over and over.
// Failures are not cached.
type resolveCache struct {
	next Resolver
	mu   sync.Mutex
	m    map[string]Resolution
	ring []string // keys in insertion order, for eviction
	pos  int
}

const resolveCacheSize = 100

func newResolveCache(next Resolver) *resolveCache {
	return &resolveCache{next: next, m: make(map[string]Resolution, resolveCacheSize),
		ring: make([]string, resolveCacheSize)}
}

func (c *resolveCache) Resolve(sender, addr string) (Resolution, error) {
	key := sender + "\x00" + addr
	c.mu.Lock()
	r, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := c.next.Resolve(sender, addr)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	if _, dup := c.m[key]; !dup {
		delete(c.m, c.ring[c.pos])
		c.ring[c.pos] = key
		c.pos = (c.pos + 1) % len(c.ring)
		c.m[key] = r
	}
	c.mu.Unlock()
	return r, nil
}
