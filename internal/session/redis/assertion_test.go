package redis

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/sessiontest"
)

// TestKeptAssertion: the value kept beside a session never outlives it: it
// is written only while the session exists, expires no later than it, and
// goes with every kind of delete.
func TestKeptAssertion(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Addr(), "gatehouse:", nil)
	raw := rawClient(t, srv.Addr())
	ctx := t.Context()
	value := []byte("sealed\x00assertion\xff")

	newSession := func(t *testing.T, sub string, ttl time.Duration) *session.Session {
		t.Helper()
		sess := &session.Session{ID: sessiontest.NewID(t), Subject: sub, IDPSessionID: "idp-" + sub}
		if err := s.Save(ctx, sess, ttl); err != nil {
			t.Fatal(err)
		}
		return sess
	}
	kept := func(t *testing.T, id string) []byte {
		t.Helper()
		v, err := s.LoadAssertion(ctx, id)
		if err != nil {
			t.Fatalf("LoadAssertion: %v", err)
		}
		return v
	}
	pttl := func(t *testing.T, key string) int64 {
		t.Helper()
		n, err := raw.Do(ctx, raw.B().Pttl().Key(key).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("kept and read back, never past the session", func(t *testing.T) {
		sess := newSession(t, "alice", time.Minute)
		if err := s.SaveAssertion(ctx, sess.ID, value, time.Hour); err != nil {
			t.Fatalf("SaveAssertion: %v", err)
		}
		if got := kept(t, sess.ID); !bytes.Equal(got, value) {
			t.Fatalf("LoadAssertion = %q, want %q", got, value)
		}
		key, _ := s.assertionKey(sess.ID)
		// The session's first: read later, the assertion's can only be less.
		if sessionLeft, left := pttl(t, s.sessionKey(sess.ID)), pttl(t, key); left <= 0 || left > sessionLeft {
			t.Errorf("assertion PTTL %d ms, session's %d ms: want positive and no longer", left, sessionLeft)
		}
		if err := s.SaveAssertion(ctx, sess.ID, value, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if left := pttl(t, key); left <= 0 || left > 2000 {
			t.Errorf("assertion PTTL %d ms, want at most the 2s asked for", left)
		}
	})
	t.Run("nothing kept for a session that is gone", func(t *testing.T) {
		id := sessiontest.NewID(t)
		if err := s.SaveAssertion(ctx, id, value, time.Minute); err != nil {
			t.Fatalf("SaveAssertion: %v", err)
		}
		if got := kept(t, id); got != nil {
			t.Fatalf("LoadAssertion of a missing session = %q, want nothing", got)
		}
	})
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, sess *session.Session) error
	}{
		{"Delete", func(t *testing.T, sess *session.Session) error { return s.Delete(ctx, sess.ID) }},
		{"DeleteBySubject", func(t *testing.T, sess *session.Session) error {
			_, err := s.DeleteBySubject(ctx, sess.Subject)
			return err
		}},
		{"DeleteByIDPSession", func(t *testing.T, sess *session.Session) error {
			_, err := s.DeleteByIDPSession(ctx, sess.IDPSessionID)
			return err
		}},
	} {
		t.Run("gone with "+tc.name, func(t *testing.T) {
			sess := newSession(t, "user-"+tc.name, time.Minute)
			if err := s.SaveAssertion(ctx, sess.ID, value, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := tc.end(t, sess); err != nil {
				t.Fatal(err)
			}
			if got := kept(t, sess.ID); got != nil {
				t.Fatalf("after %s the kept assertion is still there: %q", tc.name, got)
			}
		})
	}
}

// TestKeptAssertionOnCluster: the assertion key shares the session key's
// hash slot (the save script touches both), with and without a hash tag in
// the prefix; a prefix whose braces form no tag keeps nothing, and fails
// nothing.
func TestKeptAssertionOnCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	for _, tc := range []struct {
		prefix string
		kept   bool
	}{{"gatehouse:", true}, {"{gh}:", true}, {"app{x}:", true}, {"odd}:", false}, {"odd{:", false}, {"{}:", false}} {
		t.Run(tc.prefix, func(t *testing.T) {
			s := open(t, Options{Addresses: cluster.Addrs(), KeyPrefix: tc.prefix, ClientCache: time.Minute}, nil)
			for i := range 20 {
				sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u" + strconv.Itoa(i)}
				if err := s.Save(t.Context(), sess, time.Minute); err != nil {
					t.Fatal(err)
				}
				if err := s.SaveAssertion(t.Context(), sess.ID, []byte("v"), time.Minute); err != nil {
					t.Fatalf("SaveAssertion: %v", err)
				}
				got, err := s.LoadAssertion(t.Context(), sess.ID)
				if err != nil || (got != nil) != tc.kept {
					t.Fatalf("LoadAssertion = %q, %v; want kept %v", got, err, tc.kept)
				}
				if err := s.Delete(t.Context(), sess.ID); err != nil {
					t.Fatal(err)
				}
				if got, err := s.LoadAssertion(t.Context(), sess.ID); got != nil || err != nil {
					t.Fatalf("after Delete: LoadAssertion = %q, %v", got, err)
				}
			}
		})
	}
	if stats := cluster.ErrorStats(); stats["CROSSSLOT"] != 0 {
		t.Errorf("%d CROSSSLOT errors on the cluster", stats["CROSSSLOT"])
	}
}
