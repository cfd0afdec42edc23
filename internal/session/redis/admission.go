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
// served from memory as before. The same rule decides whether a record's
// decoding is kept (session.DecodeCache), with or without the client-side
// cache.
//
// recent only names sessions; it holds no record, so it can never answer a
// read: what is read is always Redis's or the tracked cache's current value.

// admit reports whether session id was read recently: within the
// client-side cache's TTL (admissionWindow with the cache off), and while
// among the last clientCacheEntries sessions read. Such a read goes through
// the client-side cache, when it is on, and its decoding is kept. It notes
// the read for the next decision; a session in steady use stays admitted.
func (s *Store) admit(id string) bool {
	window := s.cacheTTL
	if window == 0 {
		window = admissionWindow
	}
	now := s.now()
	until, ok := s.recent.Get(id)
	if !ok || until.Sub(now) < window/2 {
		s.recent.Put(id, now.Add(window), now.Add(window))
	}
	return ok
}

// admissionWindow is how recent a read must be for the next one to keep its
// decoding when there is no client-side cache (client_cache 0), which then
// spares a session in steady use the JSON decoding of every read.
const admissionWindow = time.Minute
