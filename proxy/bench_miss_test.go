package proxy

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
)

// BenchmarkCacheMiss measures an authenticated request of a session that is
// in none of the in-process caches (verified cookies, decoded records,
// assertions): the request of one of many live sessions, the shape of
// production traffic (bench/ "scale"). The sessions outnumber the caches
// (session.cache_entries) and are requested round-robin, so each request is
// a miss; the Redis client-side cache is on, as by default. Every session is
// requested once before the measurement, as a user who comes back within the
// assertion's renewal window. "kept-assertion" reuses the assertion kept in
// Redis (sharedassertion.go); "sign-per-process" hides it from the handler,
// as before: a signature per miss. Profile with -cpuprofile to see what a
// miss costs.
func BenchmarkCacheMiss(b *testing.B) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Skip("redis-server not installed")
	}
	st := newRedisStore(b)
	upstream := newUpstream(b)
	p := newHotPath(b, upstream.URL, st)
	// Replicas share a configured key; a generated one is never kept.
	k, err := keys.Generate(keys.ES256)
	if err != nil {
		b.Fatal(err)
	}
	cfg := *p.cfg
	cfg.Identity.Assertion.SigningKeys = []keys.Key{k}
	p.cfg = &cfg
	const sessions = 5 * redisstore.DefaultCacheEntries / 2
	tokens := providerSizedTokens()
	cookies := make([]string, sessions)
	for i := range cookies {
		_, cookies[i] = p.addSession(b, tokens)
	}
	for _, tc := range []struct {
		name  string
		store session.Backend
	}{{"kept-assertion", st}, {"sign-per-process", hiddenAssertions{st}}} {
		b.Run(tc.name, func(b *testing.B) {
			q := *p
			q.store = tc.store
			h := q.handler(b, zap.NewNop())
			serve := func(cookie string) {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, q.requestWith(cookie))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
			for _, c := range cookies {
				serve(c)
			}
			i := 0
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				serve(cookies[i%sessions])
				i++
			}
			// CPU rather than wall time: on a shared machine the wall time
			// of a round trip to Redis says more about the neighbours.
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(i), "cpu-ns/op")
		})
	}
}

// hiddenAssertions is the Redis store without its kept assertions: the
// handler signs in every process, as before they were kept.
type hiddenAssertions struct{ session.Backend }

// processCPU is the user and system CPU time this process has used (its
// children, redis-server among them, not counted).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// newRedisStore is the Redis store as gatehouse runs it by default (client-
// side cache on, default cache entries) on a real redis-server of its own.
func newRedisStore(b *testing.B) *redisstore.Store {
	srv := redistest.Start(b)
	st, err := redisstore.New(redisstore.Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute,
		CacheEntries: redisstore.DefaultCacheEntries}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return st
}
