package redis

import "time"

// A record enters the client-side cache only on its second read within the
// cache's TTL, while it is still among the last clientCacheEntries sessions
// read. The cache holds about that many records; when far more sessions are
// in use, requests spread over all of them (production traffic with many
// users) would each cache a record that is evicted before it is read again.
// Such a cached read is not free: rueidis sends CLIENT CACHING, MULTI, PTTL,
// GET and EXEC, five commands where a plain read is one, and Redis then
// tracks the key and pushes an invalidation at its next write (every idle
// slide). A session in steady use is admitted at its second request and then
// served from memory as before.
//
// recent only names sessions; it holds no record, so it can never answer a
// read: what is read is always Redis's or the tracked cache's current value.

// admit reports whether this read of session id goes through the
// client-side cache, and notes the read for the next decision.
func (s *Store) admit(id string) bool {
	if s.cacheTTL == 0 {
		return false
	}
	if _, ok := s.recent.Get(id); ok {
		return true
	}
	s.recent.Put(id, struct{}{}, time.Now().Add(s.cacheTTL))
	return false
}
