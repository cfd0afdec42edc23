package sessiontest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// The request path slides the idle timeout with an Update that changes only
// LastSeenAt (proxy/authenticate.go, touch). Stores may make that write
// cheaper (the Redis store skips its index scripts), but never by weakening
// what Update promises: these tests pin it down.

func bySID(t *testing.T, st session.Backend, sid string) []string {
	t.Helper()
	got, err := st.SessionsByIDPSession(ctx(t), sid)
	if err != nil {
		t.Fatalf("SessionsByIDPSession(%q): %v", sid, err)
	}
	return ids(got)
}

// testSlide: a slide is read back and keeps the session in both indexes; a
// change of subject or IdP sid in an Update still reaches the index.
func testSlide(t *testing.T, st session.Backend) {
	s := userSession(t, "user-"+NewID(t), "sid-"+NewID(t))
	mustSave(t, st, s, time.Hour)
	for range 3 {
		s.LastSeenAt = s.LastSeenAt.Add(time.Minute)
		if err := st.Update(ctx(t), s, time.Hour); err != nil {
			t.Fatalf("Update (slide): %v", err)
		}
		assertEqual(t, mustLoad(t, st, s.ID), s)
		assertIDs(t, "sessions of the user after a slide", bySubject(t, st, s.Subject), []string{s.ID})
		assertIDs(t, "sessions of the sid after a slide", bySID(t, st, s.IDPSessionID), []string{s.ID})
	}

	s.IDPSessionID = "sid-" + NewID(t)
	if err := st.Update(ctx(t), s, time.Hour); err != nil {
		t.Fatalf("Update (new sid): %v", err)
	}
	assertIDs(t, "sessions of the new sid", bySID(t, st, s.IDPSessionID), []string{s.ID})

	moved := s.Clone()
	moved.Subject = "user-" + NewID(t)
	if err := st.Update(ctx(t), moved, time.Hour); err != nil {
		t.Fatalf("Update (new subject): %v", err)
	}
	assertIDs(t, "sessions of the new subject", bySubject(t, st, moved.Subject), []string{s.ID})
}

// testSlideDeleted: a slide of a deleted or revoked session answers
// ErrNotFound and brings back neither the record nor an index entry.
func testSlideDeleted(t *testing.T, st session.Backend) {
	for _, end := range []struct {
		name string
		end  func(s *session.Session) error
	}{
		{"Delete", func(s *session.Session) error { return st.Delete(ctx(t), s.ID) }},
		{"DeleteBySubject", func(s *session.Session) error { _, err := st.DeleteBySubject(ctx(t), s.Subject); return err }},
		{"DeleteByIDPSession", func(s *session.Session) error {
			_, err := st.DeleteByIDPSession(ctx(t), s.IDPSessionID)
			return err
		}},
	} {
		t.Run(end.name, func(t *testing.T) {
			s := userSession(t, "user-"+NewID(t), "sid-"+NewID(t))
			mustSave(t, st, s, time.Hour)
			s.LastSeenAt = s.LastSeenAt.Add(time.Minute)
			if err := st.Update(ctx(t), s, time.Hour); err != nil {
				t.Fatalf("Update (slide): %v", err)
			}
			if err := end.end(s); err != nil {
				t.Fatal(err)
			}
			s.LastSeenAt = s.LastSeenAt.Add(time.Minute)
			if err := st.Update(ctx(t), s, time.Hour); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("slide after %s = %v, want ErrNotFound", end.name, err)
			}
			assertNotFound(t, st, s.ID)
			assertIDs(t, "sessions of the user", bySubject(t, st, s.Subject), nil)
			assertIDs(t, "sessions of the sid", bySID(t, st, s.IDPSessionID), nil)
			all, err := st.AllSessions(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(ids(all), s.ID) {
				t.Error("AllSessions lists the deleted session after a slide")
			}
		})
	}
}

// testSlideIndexExpiry: after slides up to its absolute end, a session and
// its index entries end at that end.
func testSlideIndexExpiry(t *testing.T, st session.Backend) {
	start := time.Now()
	s := userSession(t, "user-"+NewID(t), "sid-"+NewID(t))
	s.ExpiresAt = start.Add(expiryTTL)
	mustSave(t, st, s, expiryTTL/3)
	// Slide twice, the second time up to the absolute end, as the proxy does
	// (its TTL never reaches past ExpiresAt).
	for range 2 {
		s.LastSeenAt = time.Now()
		if err := st.Update(ctx(t), s, time.Until(s.ExpiresAt)); err != nil {
			t.Fatalf("Update (slide): %v", err)
		}
	}
	assertIDs(t, "sessions of the user after the slides", bySubject(t, st, s.Subject), []string{s.ID})
	waitForExpiry(t, start, func() bool {
		return len(bySubject(t, st, s.Subject)) == 0 && len(bySID(t, st, s.IDPSessionID)) == 0
	})
	assertNotFound(t, st, s.ID)
	if deleted, err := st.DeleteByIDPSession(ctx(t), s.IDPSessionID); err != nil || len(deleted) != 0 {
		t.Errorf("DeleteByIDPSession after the absolute end = %q, %v; want none", deleted, err)
	}
}
