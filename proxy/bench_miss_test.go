package proxy

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/redistest"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
)

// BenchmarkCacheMiss measures an authenticated request of a session that is
// in none of the in-process caches (verified cookies, decoded records,
// assertions): the request of one of many live sessions, the shape of
// production traffic (bench/ "scale"). The sessions outnumber the caches
// (session.cache_entries) several times and are requested round-robin, so
// each request is a miss; the Redis client-side cache is on, as by default.
// Profile it with -cpuprofile to see what a miss costs.
func BenchmarkCacheMiss(b *testing.B) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Skip("redis-server not installed")
	}
	srv := redistest.Start(b)
	st, err := redisstore.New(redisstore.Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute,
		CacheEntries: redisstore.DefaultCacheEntries}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	upstream := newUpstream(b)
	p := newHotPath(b, upstream.URL, st)
	const sessions = 4 * redisstore.DefaultCacheEntries
	tokens := providerSizedTokens()
	cookies := make([]string, sessions)
	for i := range cookies {
		_, cookies[i] = p.addSession(b, tokens)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		p.h.ServeHTTP(w, p.requestWith(cookies[i%sessions]))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		i++
	}
}
