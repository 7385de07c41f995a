package verify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Cache is the address table (dict_cache with its backing file): a map
// in memory, with each change written to the cache file when there is
// one. Safe for concurrent use.
type Cache struct {
	Name string // address_verify_map as configured, for log messages

	mu      sync.Mutex
	entries map[string]string
	file    *cacheFile // nil: memory only
	warn    func(format string, args ...any)
}

// lastCleanupKey holds the time of the last completed cleanup run
// (DC_LAST_CACHE_CLEANUP_COMPLETED); it is not an address.
const lastCleanupKey = "_LAST_CACHE_CLEANUP_COMPLETED_"

// NewMemoryCache returns a cache without a file.
func NewMemoryCache(name string) *Cache {
	return &Cache{Name: name, entries: map[string]string{}}
}

// Get returns the raw value of key.
func (c *Cache) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[key]
	return v, ok
}

// Put sets key to value and writes the change through.
func (c *Cache) Put(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = value
	c.write(key, value, false)
}

// Delete removes key.
func (c *Cache) Delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		return
	}
	delete(c.entries, key)
	c.write(key, "", true)
}

// Len is the number of entries, the cleanup time stamp included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Clean removes the address entries for which keep returns false and
// records the time of the run (dict_cache_clean_event, done in one pass).
func (c *Cache) Clean(now int64, keep func(key, value string) bool) (retained, dropped int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		if k != lastCleanupKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if keep(k, c.entries[k]) {
			retained++
			continue
		}
		dropped++
		delete(c.entries, k)
		c.write(k, "", true)
	}
	stamp := strconv.FormatInt(now, 10)
	c.entries[lastCleanupKey] = stamp
	c.write(lastCleanupKey, stamp, false)
	return retained, dropped
}

// LastCleanup returns the time of the last completed cleanup, 0 if none.
func (c *Cache) LastCleanup() int64 {
	v, _ := c.Get(lastCleanupKey)
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// Close closes the cache file.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file == nil {
		return nil
	}
	err := c.file.close()
	c.file = nil
	return err
}

// write sends one change to the file; called with c.mu held. A failed
// write is logged: the entry stays in memory, and at worst an address
// is probed again after a restart.
func (c *Cache) write(key, value string, del bool) {
	if c.file == nil {
		return
	}
	if err := c.file.append(key, value, del); err != nil {
		c.warnf("%s: update %s: %v", c.Name, key, err)
		return
	}
	if c.file.needsCompaction(len(c.entries)) {
		if err := c.file.rewrite(c.entries); err != nil {
			c.warnf("%s: rewrite cache file: %v", c.Name, err)
		}
	}
}

func (c *Cache) warnf(format string, args ...any) {
	if c.warn != nil {
		c.warn(format, args...)
	}
}

// entry is a parsed cache value (verify.c "status:probed:updated:text").
type entry struct {
	status          int
	probed, updated int64
	text            string
}

func (e entry) String() string {
	return fmt.Sprintf("%d:%d:%d:%s", e.status, e.probed, e.updated, e.text)
}

// parseEntry is verify_parse_entry: three decimal fields and the text;
// the status must be known and a time stamp non-zero.
func parseEntry(raw string) (entry, bool) {
	f := strings.SplitN(raw, ":", 4)
	if len(f) != 4 || !allDigits(f[0]) || !allDigits(f[1]) || !allDigits(f[2]) {
		return entry{}, false
	}
	e := entry{status: int(atol(f[0])), probed: atol(f[1]), updated: atol(f[2]), text: f[3]}
	if e.status < RcptOK || e.status > RcptTodo || (e.probed == 0 && e.updated == 0) {
		return entry{}, false
	}
	return e, true
}

// rawStatus is STATUS_FROM_RAW_ENTRY: atoi of the leading digits.
func rawStatus(raw string) int { return int(atol(raw)) }

// atol converts the leading digits of s, 0 when there are none.
func atol(s string) int64 {
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<55; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true // Postfix's alldig() accepts the empty string too
}
