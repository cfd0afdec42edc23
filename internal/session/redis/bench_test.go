package redis

import (
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
)

// BenchmarkLoad measures a session read answered from the client-side cache
// (the steady state of a browser's requests) and one that goes to Redis: the
// per-call deadline context and the metrics are on both paths.
func BenchmarkLoad(b *testing.B) {
	srv := redistest.Start(b)
	for _, tc := range []struct {
		name  string
		cache time.Duration
	}{{"client-cache-hit", time.Minute}, {"round-trip", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := New(Options{Addresses: []string{srv.Addr()}, KeyPrefix: "bench:", Timeout: time.Second,
				ClientCache: tc.cache, CacheEntries: -1}, zap.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			ctx := b.Context()
			sess := &session.Session{ID: "bench-session", Subject: "alice", Groups: []string{"staff"}, Sealed: []byte("sealed")}
			if err := s.Save(ctx, sess, time.Hour); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Load(ctx, sess.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
