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

// TestLoadWithAssertion: a session not read lately comes with the assertion
// kept beside it in one command (MGET), nil when none is kept; a session
// read lately is read as by Load, its assertion left unread (read false); a
// deleted session returns neither, even if its assertion key were left.
func TestLoadWithAssertion(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute}, nil)
	ctx := t.Context()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u"}
	if err := s.Save(ctx, sess, time.Minute); err != nil {
		t.Fatal(err)
	}
	// A fresh store for each read of a session not read lately, as with
	// many sessions in use.
	fresh := func() *Store { return open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute}, nil) }

	got, kept, read, err := fresh().LoadWithAssertion(ctx, sess.ID)
	if err != nil || got.Subject != "u" || kept != nil || !read {
		t.Fatalf("before any kept: %+v, %q, %v, %v; want the session, nil, read", got, kept, read, err)
	}
	if err := s.SaveAssertion(ctx, sess.ID, []byte("sealed"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := fresh().LoadWithAssertion(ctx, sessiontest.NewID(t)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("unknown session: %v, want ErrNotFound", err)
	}

	srv.Do("CONFIG", "RESETSTAT")
	f := fresh()
	got, kept, read, err = f.LoadWithAssertion(ctx, sess.ID)
	if err != nil || got.Subject != "u" || string(kept) != "sealed" || !read {
		t.Fatalf("with one kept: %+v, %q, %v, %v; want the session and %q", got, kept, read, err, "sealed")
	}
	calls := fmt.Sprintf("mget=%d get=%d evalsha=%d multi=%d", commandCalls(t, srv, "mget"), commandCalls(t, srv, "get"),
		commandCalls(t, srv, "evalsha"), commandCalls(t, srv, "multi"))
	if calls != "mget=1 get=0 evalsha=0 multi=0" {
		t.Errorf("commands: %s, want one MGET alone", calls)
	}
	// Read again soon: through the client-side cache, the assertion unread.
	got, kept, read, err = f.LoadWithAssertion(ctx, sess.ID)
	if err != nil || got.Subject != "u" || kept != nil || read {
		t.Fatalf("read again: %+v, %q, %v, %v; want the session alone", got, kept, read, err)
	}
	if n := commandCalls(t, srv, "mget"); n != 1 {
		t.Errorf("read again: %d MGETs, want still 1", n)
	}

	key, _ := s.assertionKey(sess.ID)
	if err := s.Delete(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	srv.Do("SET", key, "left behind")
	if got, kept, _, err := fresh().LoadWithAssertion(ctx, sess.ID); !errors.Is(err, session.ErrNotFound) || got != nil || kept != nil {
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
