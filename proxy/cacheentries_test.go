package proxy

import (
	"context"
	"net/http"
	"os/exec"
	"runtime"
	"testing"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
)

// TestCacheEntriesWiring checks that session.cache_entries reaches the
// handler's caches: at 0 every request verifies its cookie again and carries
// a newly signed assertion (ES256 signatures differ on every signing); with
// caching on, repeated requests reuse both.
func TestCacheEntriesWiring(t *testing.T) {
	p := newHotPath(t, "http://127.0.0.1:1", nil)
	cases := []struct {
		name         string
		entries      int
		wantRefs     int  // cookie values remembered after the requests
		wantNewToken bool // each request signs a new assertion
	}{
		{"off", 0, 0, true},
		{"on", 4, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.cfg.Session.CacheEntries = tc.entries
			h := p.handler(t, zap.NewNop())
			tokens := map[string]bool{}
			for range 3 {
				auth, err := h.authenticate(p.request())
				if err != nil || auth == nil {
					t.Fatalf("authenticate = %v, %v", auth, err)
				}
				hdr := http.Header{}
				h.setIdentity(context.Background(), hdr, auth)
				tok := hdr.Get(h.asserter.Header())
				if tok == "" {
					t.Fatal("no assertion")
				}
				tokens[tok] = true
			}
			if n := remembered(h.cookies.refs, sessionCookieValue(t, p.request(), h.cookies.sessionName)); n != tc.wantRefs {
				t.Errorf("%d cookie values cached, want %d", n, tc.wantRefs)
			}
			if gotNew := len(tokens) == 3; gotNew != tc.wantNewToken || (!gotNew && len(tokens) != 1) {
				t.Errorf("%d different assertions in 3 requests; want a new one each time: %v", len(tokens), tc.wantNewToken)
			}
		})
	}
}

// sessionCookieValue is the value of r's cookie name.
func sessionCookieValue(t *testing.T, r *http.Request, name string) string {
	t.Helper()
	c, err := r.Cookie(name)
	if err != nil {
		t.Fatal(err)
	}
	return c.Value
}

// BenchmarkCacheMemory reports the heap that session.cache_entries costs per
// session: the verified cookie (refCache), the decoded Redis record
// (session.DecodeCache; the memory store has none) and the signed assertion
// (identity.Asserter), each filled for n sessions of realistic size through
// the real request path. The client-side Redis cache is off, so that only
// these caches hold memory. It reports; it asserts nothing.
func BenchmarkCacheMemory(b *testing.B) {
	const n = 10000
	b.Run("redis", func(b *testing.B) {
		if _, err := exec.LookPath("redis-server"); err != nil {
			b.Skip("redis-server not installed")
		}
		srv := redistest.Start(b)
		benchmarkCacheMemory(b, n, func() session.Backend {
			st, err := redisstore.New(redisstore.Options{Addresses: []string{srv.Addr()}, CacheEntries: n}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		})
	})
	b.Run("memory", func(b *testing.B) {
		st := memory.New() // one store: it holds the sessions, not a cache
		benchmarkCacheMemory(b, n, func() session.Backend { return st })
	})
}

// benchmarkCacheMemory fills the caches of n sessions; newStore returns a
// store with empty caches that reads the sessions saved in the first one.
func benchmarkCacheMemory(b *testing.B, n int, newStore func() session.Backend) {
	p := newHotPath(b, "http://127.0.0.1:1", newStore())
	p.cfg.Session.CacheEntries = n
	reqs := make([]*http.Request, n)
	for i := range reqs {
		_, cookie := p.addSession(b, providerSizedTokens())
		reqs[i] = p.requestWith(cookie)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var refs, records, assertions float64
	runs := 0
	for b.Loop() {
		p.store = newStore()
		h := p.handler(b, zap.NewNop())
		h0 := heap()
		for _, r := range reqs { // the cookie only
			if len(h.cookies.sessionRefs(nil, r)) != 1 {
				b.Fatal("cookie does not verify")
			}
		}
		h1 := heap()
		for _, r := range reqs { // the record, read and decoded
			if auth, err := h.authenticate(r); auth == nil || err != nil {
				b.Fatal("not authenticated", err)
			}
		}
		h2 := heap()
		for _, r := range reqs { // the assertion
			auth, err := h.authenticate(r)
			if auth == nil || err != nil {
				b.Fatal("not authenticated", err)
			}
			if _, err := h.asserter.Assertion(auth.session); err != nil {
				b.Fatal(err)
			}
		}
		h3 := heap()
		// Signed conversions: a phase that keeps nothing may free a little.
		refs += float64(int64(h1-h0)) / float64(n)
		records += float64(int64(h2-h1)) / float64(n)
		assertions += float64(int64(h3-h2)) / float64(n)
		runs++
		runtime.KeepAlive(h)
	}
	b.ReportMetric(refs/float64(runs), "cookie-B/session")
	b.ReportMetric(records/float64(runs), "record-B/session")
	b.ReportMetric(assertions/float64(runs), "assertion-B/session")
	b.ReportMetric((refs+records+assertions)/float64(runs), "B/session")
}
