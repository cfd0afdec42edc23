package proxy

import (
	"crypto/sha256"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
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
// A value that does not verify is never remembered.
type refCache struct {
	// refs holds at most session.cache_entries values (the browsers active
	// within a few minutes on one replica); nil (0) remembers none.
	refs *cache.Cache[[sha256.Size]byte, sessionRef] // a sessionRef is never changed once cached
	now  func() time.Time
}

// newRefCache returns a cache of at most size values; size 0 (or less) turns
// it off and every value is verified.
func newRefCache(size int, now func() time.Time) *refCache {
	return &refCache{refs: cache.New[[sha256.Size]byte, sessionRef](size, now), now: now}
}

// decode returns the sessionRef that the session cookie value carries, from
// the cache or from decode; ok is false when it does not verify. One cache
// serves one cookie name.
func (c *refCache) decode(value string, decode func(value string, ref *sessionRef) error) (ref sessionRef, ok bool) {
	if c.refs == nil {
		return verifyRef(value, decode)
	}
	var buf [512]byte // hashes a typical value without a heap copy
	key := sha256.Sum256(append(buf[:0], value...))
	if ref, ok = c.refs.Get(key); ok {
		return ref, true
	}
	if ref, ok = verifyRef(value, decode); ok {
		c.refs.Put(key, ref, c.now().Add(refCacheTTL))
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
