package redis

import (
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
)

// TestCacheEntries checks that Options.CacheEntries (key
// session.cache_entries) sizes the decoded records the store keeps: none at
// 0, a few at a small size, and DefaultCacheEntries when negative.
// Every load is answered correctly either way.
func TestCacheEntries(t *testing.T) {
	srv := redistest.Start(t)
	cases := []struct {
		name    string
		entries int
		wantMin int
		wantMax int
	}{
		{"off", 0, 0, 0},
		{"small", 4, 1, 4},
		{"negative means the default", -1, 20, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(Options{Addresses: []string{srv.Addr()}, KeyPrefix: t.Name() + ":", Timeout: testTimeout,
				ClientCache: time.Minute, CacheEntries: tc.entries}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			ctx := t.Context()
			for i := range 20 {
				sess := &session.Session{ID: fmt.Sprintf("id-%02d", i), Subject: fmt.Sprintf("user-%02d", i), Sealed: []byte("sealed")}
				if err := s.Save(ctx, sess, time.Hour); err != nil {
					t.Fatal(err)
				}
				for range 2 { // the second load may be answered from the cache
					got, err := s.Load(ctx, sess.ID)
					if err != nil || got.Subject != sess.Subject || string(got.Sealed) != "sealed" {
						t.Fatalf("Load(%s) = %+v, %v", sess.ID, got, err)
					}
				}
			}
			if n := s.decoded.Len(); n < tc.wantMin || n > tc.wantMax {
				t.Errorf("%d decoded records kept after 20 sessions, want %d to %d", n, tc.wantMin, tc.wantMax)
			}
		})
	}
}
