package redis

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/sessiontest"
)

// TestClientCacheAdmission: a session read once is read with a plain GET;
// its second read within the cache TTL goes through the client-side cache
// and later ones are answered from memory. Requests spread over far more
// sessions than the cache holds never pay for caching (CLIENT CACHING,
// MULTI, PTTL, EXEC and Redis's tracking) a record that would be evicted
// before its next read.
func TestClientCacheAdmission(t *testing.T) {
	srv := redistest.Start(t)
	const entries = minClientCacheEntries
	s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute, CacheEntries: entries}, nil)
	ctx := t.Context()
	save := func() string {
		id := sessiontest.NewID(t)
		if err := s.Save(ctx, &session.Session{ID: id, Subject: "u"}, time.Minute); err != nil {
			t.Fatal(err)
		}
		return id
	}
	load := func(id string) {
		t.Helper()
		if _, err := s.Load(ctx, id); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("one session in steady use", func(t *testing.T) {
		id := save()
		srv.Do("CONFIG", "RESETSTAT")
		load(id)
		if got := commandCalls(t, srv, "multi"); got != 0 {
			t.Errorf("first read: %d MULTI, want a plain GET", got)
		}
		for range 10 {
			load(id)
		}
		if gets := commandCalls(t, srv, "get"); gets != 2 {
			t.Errorf("11 reads: %d GETs, want 2 (the plain first read, the read that cached)", gets)
		}
	})

	t.Run("spread over more sessions than the cache holds", func(t *testing.T) {
		ids := make([]string, 2*entries)
		for i := range ids {
			ids[i] = save()
		}
		srv.Do("CONFIG", "RESETSTAT")
		for range 3 {
			for _, id := range ids {
				load(id)
			}
		}
		calls := map[string]int{}
		for _, cmd := range []string{"get", "multi", "pttl", "client|caching"} {
			calls[cmd] = commandCalls(t, srv, cmd)
		}
		t.Logf("%d reads of %d sessions round-robin: %v", 3*len(ids), len(ids), calls)
		if calls["get"] != 3*len(ids) || calls["multi"]+calls["pttl"]+calls["client|caching"] != 0 {
			t.Errorf("commands %v, want one plain GET per read and nothing else", calls)
		}
	})
}

// TestLoadWithAssertion: the record and the assertion kept beside it come
// in one command (MGET); without a kept assertion the value is nil;
// a deleted session returns neither, even if its assertion key were left.
func TestLoadWithAssertion(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute}, nil)
	ctx := t.Context()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u"}
	if err := s.Save(ctx, sess, time.Minute); err != nil {
		t.Fatal(err)
	}

	srv.Do("CONFIG", "RESETSTAT")
	got, kept, err := s.LoadWithAssertion(ctx, sess.ID)
	if err != nil || got.Subject != "u" || kept != nil {
		t.Fatalf("before any kept: %+v, %q, %v; want the session and nil", got, kept, err)
	}
	if err := s.SaveAssertion(ctx, sess.ID, []byte("sealed"), time.Minute); err != nil {
		t.Fatal(err)
	}
	other := sessiontest.NewID(t)
	if _, _, err := s.LoadWithAssertion(ctx, other); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("unknown session: %v, want ErrNotFound", err)
	}
	srv.Do("CONFIG", "RESETSTAT")
	// A fresh store: the first read of a session is not admitted to the
	// client-side cache, as with many sessions in use.
	fresh := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute}, nil)
	got, kept, err = fresh.LoadWithAssertion(ctx, sess.ID)
	if err != nil || got.Subject != "u" || string(kept) != "sealed" {
		t.Fatalf("with one kept: %+v, %q, %v; want the session and %q", got, kept, err, "sealed")
	}
	calls := fmt.Sprintf("mget=%d get=%d evalsha=%d multi=%d", commandCalls(t, srv, "mget"), commandCalls(t, srv, "get"),
		commandCalls(t, srv, "evalsha"), commandCalls(t, srv, "multi"))
	if calls != "mget=1 get=0 evalsha=0 multi=0" {
		t.Errorf("commands: %s, want one MGET alone", calls)
	}

	key, _ := s.assertionKey(sess.ID)
	if err := s.Delete(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	srv.Do("SET", key, "left behind")
	if got, kept, err := fresh.LoadWithAssertion(ctx, sess.ID); !errors.Is(err, session.ErrNotFound) || got != nil || kept != nil {
		t.Fatalf("after delete: %+v, %q, %v; want nil, nil, ErrNotFound", got, kept, err)
	}
}

// TestAdmissionLasts: a session read steadily stays admitted past the first
// window, so its reads keep coming from the client-side cache; one not read
// for a whole window is read plainly again. The clock is the test's.
func TestAdmissionLasts(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	s := &Store{cacheTTL: time.Minute, recent: cache.New[string, time.Time](10, clock), now: clock}
	if s.admit("a") {
		t.Fatal("first read admitted")
	}
	for i := range 8 { // two minutes of reads 15 s apart: two windows
		now = now.Add(15 * time.Second)
		if !s.admit("a") {
			t.Fatalf("read %d, %v after the first: not admitted", i+2, 15*time.Second*time.Duration(i+1))
		}
	}
	now = now.Add(time.Minute)
	if s.admit("a") {
		t.Fatal("admitted after a whole window without a read")
	}
}
