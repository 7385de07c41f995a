package tlsmgr

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// sessionCache is one cache type's sessions (tls_scache.c), in memory.
type sessionCache struct {
	label   string
	timeout time.Duration // 0: the cache type is disabled
	mu      sync.Mutex
	entries map[string]sessionEntry
}

type sessionEntry struct {
	stored time.Time
	data   []byte
}

func (c *sessionCache) enabled() bool { return c.entries != nil }

func (c *sessionCache) lookup(id string, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return nil, false
	}
	if !e.stored.Add(c.timeout).After(now) {
		delete(c.entries, id)
		return nil, false
	}
	return e.data, true
}

func (c *sessionCache) update(id string, data []byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[id] = sessionEntry{stored: now, data: append([]byte(nil), data...)}
}

func (c *sessionCache) remove(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[id]
	delete(c.entries, id)
	return ok
}

// expire drops entries older than the timeout (tlsmgr_cache_run_event).
func (c *sessionCache) expire(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, e := range c.entries {
		if !e.stored.Add(c.timeout).After(now) {
			delete(c.entries, id)
		}
	}
}

// ticketKey is TLS_TICKET_KEY.
type ticketKey struct {
	name [TicketNameLen]byte
	bits [TicketKeyLen]byte
	hmac [TicketMACLen]byte
	tout int64
}

func (k *ticketKey) marshal() []byte {
	b := make([]byte, 0, TicketKeySize)
	b = append(b, k.name[:]...)
	b = append(b, k.bits[:]...)
	b = append(b, k.hmac[:]...)
	return binary.NativeEndian.AppendUint64(b, uint64(k.tout))
}

// ticketKeys are the current and previous keys (tls_scache_key).
type ticketKeys struct {
	mu   sync.Mutex
	keys [2]*ticketKey
}

// get is tlsmgr_key: with no name, the current key, or a new one when
// it expired; with a name, the current or previous key of that name
// while it may still decrypt. timeout is the smtpd session timeout.
func (t *ticketKeys) get(name []byte, now time.Time, timeout time.Duration) (*ticketKey, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	half := int64(timeout/time.Second) / 2
	if name != nil {
		for _, k := range t.keys {
			if k != nil && bytes.Equal(k.name[:], name) {
				return k, k.tout+half > now.Unix()
			}
		}
		return nil, false
	}
	if k := t.keys[0]; k != nil && k.tout > now.Unix() {
		return k, true
	}
	k := &ticketKey{tout: now.Unix() + half - 1}
	for _, part := range [][]byte{k.name[:], k.bits[:], k.hmac[:]} {
		if _, err := rand.Read(part); err != nil {
			return nil, false
		}
	}
	t.keys[1], t.keys[0] = t.keys[0], k
	return k, true
}
