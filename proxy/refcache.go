package proxy

import (
	"crypto/sha256"
	"sync"
	"time"
)

// refCacheTTL is how long a verified cookie value is trusted without
// verifying it again. The cookie's own expiry (securecookie's timestamp)
// equals the session's absolute timeout, which the store check enforces on
// every request anyway; the TTL only bounds how stale the cache can be.
const refCacheTTL = time.Minute

// refCache remembers the session cookie values that verified, so that a
// browser's next requests skip the MAC check, the decryption and the JSON of
// securecookie. Only a value byte for byte equal to one that verified is
// answered from here, and the session it names is still loaded and checked
// on every request. Entries are keyed by the value's SHA-256, so no lookup
// compares an attacker's value with another user's cookie byte by byte.
//
// Two generations, as in session.DecodeCache: when the current one fills,
// the previous one is dropped.
type refCache struct {
	// size bounds the remembered values (session.cache_entries: the browsers
	// active within a few minutes on one replica); 0 remembers none.
	size      int
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]refEntry
	now       func() time.Time
}

type refEntry struct {
	ref      sessionRef // never changed once cached
	verified time.Time
}

// newRefCache returns a cache of at most max(size, 2) values; size 0 (or
// less) turns it off and every value is verified.
func newRefCache(size int, now func() time.Time) *refCache {
	return &refCache{size: size, now: now}
}

// decode returns the sessionRef that the session cookie value carries, from
// the cache or from decode; ok is false when it does not verify. One cache
// serves one cookie name.
func (c *refCache) decode(value string, decode func(value string, ref *sessionRef) error) (ref sessionRef, ok bool) {
	if c.size <= 0 {
		return verifyRef(value, decode)
	}
	var buf [512]byte // hashes a typical value without a heap copy
	key := sha256.Sum256(append(buf[:0], value...))
	now := c.now()

	c.mu.Lock()
	var e refEntry
	e, ok = c.cur[key]
	if !ok {
		e, ok = c.prev[key]
	}
	c.mu.Unlock()
	if ok && now.Sub(e.verified) < refCacheTTL {
		return e.ref, true
	}
	if ref, ok = verifyRef(value, decode); ok {
		c.mu.Lock()
		if c.cur == nil || len(c.cur) >= max(c.size/2, 1) {
			c.prev, c.cur = c.cur, make(map[[sha256.Size]byte]refEntry)
		}
		c.cur[key] = refEntry{ref: ref, verified: now}
		c.mu.Unlock()
	}
	return ref, ok
}

// verifyRef decodes a value the cache does not hold. Apart from decode, so
// that a cache hit does not allocate the sessionRef that decode writes into.
func verifyRef(value string, decode func(value string, ref *sessionRef) error) (sessionRef, bool) {
	var ref sessionRef
	if decode(value, &ref) != nil || ref.ID == "" {
		return sessionRef{}, false
	}
	return ref, true
}
