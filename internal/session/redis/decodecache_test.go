package redis

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
)

// TestCacheEntries checks that Options.CacheEntries (key
// session.cache_entries) sizes the decoded records the store keeps: none at
// 0, a few at a small size, and DefaultCacheEntries when negative, with or
// without the client-side cache (a session read twice keeps its decoding).
// Every load is answered correctly either way.
func TestCacheEntries(t *testing.T) {
	srv := redistest.Start(t)
	cases := []struct {
		name        string
		entries     int
		wantMin     int
		wantMax     int
		clientCache time.Duration
	}{
		{"off", 0, 0, 0, time.Minute},
		{"small", 4, 1, 4, time.Minute},
		{"negative means the default", -1, 20, 20, time.Minute},
		{"without the client-side cache", -1, 20, 20, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(Options{Addresses: []string{srv.Addr()}, KeyPrefix: t.Name() + ":", Timeout: testTimeout,
				ClientCache: tc.clientCache, CacheEntries: tc.entries}, zaptest.NewLogger(t))
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
			if n := rememberedRecords(t, s, 20); n < tc.wantMin || n > tc.wantMax {
				t.Errorf("%d decoded records kept after 20 sessions, want %d to %d", n, tc.wantMin, tc.wantMax)
			}
		})
	}
}

// rememberedRecords counts the sessions id-00 … id-<n-1> whose decoded
// record s keeps: those its cache answers for the bytes stored in Redis
// without decoding them (the probe's decode refuses every record, so it
// caches nothing new).
func rememberedRecords(t *testing.T, s *Store, n int) int {
	t.Helper()
	refuse := func(string, *session.Session) error { return errors.New("not cached") }
	kept := 0
	for i := range n {
		id := fmt.Sprintf("id-%02d", i)
		res, err := s.get(t.Context(), "load", s.sessionKey(id), false)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := res.ToString()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.decoded.Decode(id, raw, refuse); err == nil {
			kept++
		}
	}
	return kept
}
