// Package cache owns the one bounded in-memory cache type of gatehouse's
// request path. The verified session cookies (proxy), the decoded session
// records (session) and the signed identity assertions (identity) each wrap
// it with their own rule of when an entry may answer; the bound, the eviction
// order, expiry and locking are written here once.
package cache

import (
	"sync"
	"time"
)

// Cache maps keys to values, keeping at most a fixed number of entries: when
// it is full, adding a key evicts the least recently used entry. An entry may
// carry an expiry, after which Get no longer answers it. It is safe for
// concurrent use.
//
// A nil *Cache is a cache that is off: it holds nothing, Get always misses
// and Put does nothing. New returns nil for a size of 0 (session.cache_entries
// 0 turns every cache off), so that callers can skip the work of building a
// key.
//
// Values are handed out as they are stored: a caller that caches a pointer
// must not change what it points to afterwards.
type Cache[K comparable, V any] struct {
	size int
	now  func() time.Time

	mu    sync.Mutex
	items map[K]*entry[K, V]
	// root is the sentinel of a circular list of the entries, most recently
	// used at root.next; an intrusive list, so that an entry is one
	// allocation and moving it allocates nothing.
	root entry[K, V]
}

type entry[K comparable, V any] struct {
	key        K
	value      V
	expires    time.Time // zero: never
	prev, next *entry[K, V]
}

// New returns a cache of at most size entries whose expiry is read from now
// (nil: time.Now). A size of 0 or less returns nil: the cache that is off.
func New[K comparable, V any](size int, now func() time.Time) *Cache[K, V] {
	if size <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	c := &Cache[K, V]{size: size, now: now, items: make(map[K]*entry[K, V])}
	c.root.next, c.root.prev = &c.root, &c.root
	return c
}

// Get returns the value stored under k, when there is one that has not
// expired, and marks it as the most recently used.
func (c *Cache[K, V]) Get(k K) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	c.mu.Lock()
	e := c.items[k]
	if e == nil || (!e.expires.IsZero() && !c.now().Before(e.expires)) {
		c.mu.Unlock()
		return v, false
	}
	c.moveToFront(e)
	v = e.value
	c.mu.Unlock()
	return v, true
}

// Peek returns the value stored under k even when it has expired, without
// marking it used: for a caller about to replace it that carries some of its
// state over.
func (c *Cache[K, V]) Peek(k K) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[k]; e != nil {
		return e.value, true
	}
	return v, false
}

// Put stores v under k until expires (zero: until evicted), as the most
// recently used entry, replacing any value k had. When the cache is full the
// least recently used entry makes room, and its memory is reused.
func (c *Cache[K, V]) Put(k K, v V, expires time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.items[k]
	switch {
	case e != nil:
		c.unlink(e)
	case len(c.items) >= c.size:
		e = c.root.prev
		c.unlink(e)
		delete(c.items, e.key)
		e.key = k
		c.items[k] = e
	default:
		e = &entry[K, V]{key: k}
		c.items[k] = e
	}
	e.value, e.expires = v, expires
	c.pushFront(e)
}

// Delete drops k's entry, if any.
func (c *Cache[K, V]) Delete(k K) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[k]; e != nil {
		c.unlink(e)
		delete(c.items, k)
		*e = entry[K, V]{} // drop the value's references now
	}
}

func (c *Cache[K, V]) moveToFront(e *entry[K, V]) {
	if c.root.next != e {
		c.unlink(e)
		c.pushFront(e)
	}
}

func (c *Cache[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (c *Cache[K, V]) pushFront(e *entry[K, V]) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}
