package sessiontest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// userSession is a session of subject, optionally with an IdP sid.
func userSession(t *testing.T, subject, sid string) *session.Session {
	s := fullSession(t)
	s.Subject, s.IDPSessionID = subject, sid
	return s
}

func ids(sessions []*session.Session) []string {
	out := make([]string, 0, len(sessions))
	for _, s := range sessions {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(v ...string) []string {
	out := slices.Clone(v)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

func assertIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	got = sorted(got...)
	want = sorted(want...)
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func bySubject(t *testing.T, st session.Backend, subject string) []string {
	t.Helper()
	got, err := st.SessionsBySubject(ctx(t), subject)
	if err != nil {
		t.Fatalf("SessionsBySubject(%q): %v", subject, err)
	}
	for _, s := range got {
		if s.Subject != subject {
			t.Errorf("SessionsBySubject(%q) returned a session of %q", subject, s.Subject)
		}
	}
	return ids(got)
}

func testIndexBySubject(t *testing.T, st session.Backend) {
	sub := "user-" + NewID(t)
	a, b := userSession(t, sub, ""), userSession(t, sub, "sid-"+NewID(t))
	other := userSession(t, "other-"+NewID(t), "")
	for _, s := range []*session.Session{a, b, other} {
		mustSave(t, st, s, time.Hour)
	}
	assertIDs(t, "sessions of the user", bySubject(t, st, sub), []string{a.ID, b.ID})
	got, err := st.SessionsBySubject(ctx(t), sub)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if s.ID == a.ID {
			assertEqual(t, s, a)
		}
	}
	assertIDs(t, "sessions of nobody", bySubject(t, st, "nobody-"+NewID(t)), nil)

	// Delete removes the session from its index at once.
	if err := st.Delete(ctx(t), a.ID); err != nil {
		t.Fatal(err)
	}
	assertIDs(t, "sessions after Delete", bySubject(t, st, sub), []string{b.ID})
}

// testIndexFollowsChanges: a session saved again under another subject or
// sid moves in the index, and Update keeps it there.
func testIndexFollowsChanges(t *testing.T, st session.Backend) {
	sub := "user-" + NewID(t)
	s := userSession(t, sub, "")
	mustSave(t, st, s, time.Hour)
	s.LastSeenAt = s.LastSeenAt.Add(time.Minute)
	if err := st.Update(ctx(t), s, time.Hour); err != nil {
		t.Fatalf("Update: %v", err)
	}
	assertIDs(t, "sessions after Update", bySubject(t, st, sub), []string{s.ID})
	// Revoked sessions stay revoked: Update after DeleteBySubject adds nothing.
	if _, err := st.DeleteBySubject(ctx(t), sub); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx(t), s, time.Hour); err == nil {
		t.Fatal("Update after DeleteBySubject succeeded")
	}
	assertIDs(t, "sessions after revoke and Update", bySubject(t, st, sub), nil)
	assertNotFound(t, st, s.ID)
}

func testRevokeBySubject(t *testing.T, st session.Backend) {
	sub := "user-" + NewID(t)
	var mine []string
	for range 3 {
		s := userSession(t, sub, "sid-"+NewID(t))
		mustSave(t, st, s, time.Hour)
		mine = append(mine, s.ID)
	}
	other := userSession(t, "other-"+NewID(t), "")
	mustSave(t, st, other, time.Hour)
	// A member whose session was deleted meanwhile is not reported as deleted.
	if err := st.Delete(ctx(t), mine[2]); err != nil {
		t.Fatal(err)
	}

	deleted, err := st.DeleteBySubject(ctx(t), sub)
	if err != nil {
		t.Fatalf("DeleteBySubject: %v", err)
	}
	assertIDs(t, "deleted", deleted, mine[:2])
	for _, id := range mine {
		assertNotFound(t, st, id)
	}
	mustLoad(t, st, other.ID)
	assertIDs(t, "sessions after revoke", bySubject(t, st, sub), nil)
	if deleted, err := st.DeleteBySubject(ctx(t), sub); err != nil || len(deleted) != 0 {
		t.Errorf("second DeleteBySubject = %q, %v; want none", deleted, err)
	}
	// A new login after the revoke is a new session, indexed as usual.
	again := userSession(t, sub, "")
	mustSave(t, st, again, time.Hour)
	assertIDs(t, "sessions after new login", bySubject(t, st, sub), []string{again.ID})
}

func testDeleteByIDPSession(t *testing.T, st session.Backend) {
	sub, sid := "user-"+NewID(t), "sid-"+NewID(t)
	a, b := userSession(t, sub, sid), userSession(t, sub, sid)
	keep := userSession(t, sub, "sid-"+NewID(t))
	for _, s := range []*session.Session{a, b, keep} {
		mustSave(t, st, s, time.Hour)
	}
	listed, err := st.SessionsByIDPSession(ctx(t), sid)
	if err != nil {
		t.Fatalf("SessionsByIDPSession: %v", err)
	}
	assertIDs(t, "sessions of the provider session", ids(listed), []string{a.ID, b.ID})
	if none, err := st.SessionsByIDPSession(ctx(t), ""); err != nil || len(none) != 0 {
		t.Errorf("SessionsByIDPSession(\"\") = %d sessions, %v; want none", len(none), err)
	}
	deleted, err := st.DeleteByIDPSession(ctx(t), sid)
	if err != nil {
		t.Fatalf("DeleteByIDPSession: %v", err)
	}
	assertIDs(t, "deleted", deleted, []string{a.ID, b.ID})
	assertNotFound(t, st, a.ID)
	assertNotFound(t, st, b.ID)
	mustLoad(t, st, keep.ID)
	if listed, err := st.SessionsByIDPSession(ctx(t), sid); err != nil || len(listed) != 0 {
		t.Errorf("SessionsByIDPSession after delete = %d sessions, %v; want none", len(listed), err)
	}
	// The subject index no longer lists them either.
	assertIDs(t, "sessions of the user", bySubject(t, st, sub), []string{keep.ID})
	if deleted, err := st.DeleteByIDPSession(ctx(t), ""); err != nil || len(deleted) != 0 {
		t.Errorf("DeleteByIDPSession(\"\") = %q, %v; want nothing deleted", deleted, err)
	}
	mustLoad(t, st, keep.ID)
}

func testAllSessions(t *testing.T, st session.Backend) {
	var want []string
	for i := range 25 {
		s := userSession(t, "user-"+NewID(t), "")
		if i%2 == 0 {
			s.IDPSessionID = "sid-" + NewID(t)
		}
		mustSave(t, st, s, time.Hour)
		want = append(want, s.ID)
	}
	// Claims and locks are not sessions.
	if _, err := st.Claim(ctx(t), "claim-"+NewID(t), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TryLock(ctx(t), "lock-"+NewID(t), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx(t), want[0]); err != nil {
		t.Fatal(err)
	}
	got, err := st.AllSessions(ctx(t))
	if err != nil {
		t.Fatalf("AllSessions: %v", err)
	}
	assertIDs(t, "all sessions", ids(got), want[1:])
}

func testIndexExpiry(t *testing.T, st session.Backend) {
	sub := "user-" + NewID(t)
	short := userSession(t, sub, "sid-"+NewID(t))
	short.ExpiresAt = time.Now() // the ttl alone decides
	long := userSession(t, sub, "")
	mustSave(t, st, short, expiryTTL)
	mustSave(t, st, long, time.Hour)
	start := time.Now()
	waitForExpiry(t, start, func() bool {
		got := bySubject(t, st, sub)
		return slices.Equal(got, []string{long.ID})
	})
	if deleted, err := st.DeleteByIDPSession(ctx(t), short.IDPSessionID); err != nil || len(deleted) != 0 {
		t.Errorf("DeleteByIDPSession of an expired session = %q, %v; want none", deleted, err)
	}
	mustLoad(t, st, long.ID)
}

func testLock(t *testing.T, st session.Backend) {
	key := "refresh-" + NewID(t)
	token, err := st.TryLock(ctx(t), key, time.Minute)
	if err != nil || token == "" {
		t.Fatalf("TryLock = %q, %v; want a token", token, err)
	}
	if again, err := st.TryLock(ctx(t), key, time.Minute); err != nil || again != "" {
		t.Fatalf("second TryLock = %q, %v; want \"\" (held)", again, err)
	}
	if other, err := st.TryLock(ctx(t), "other-"+NewID(t), time.Minute); err != nil || other == "" {
		t.Fatalf("TryLock of another key = %q, %v; want a token", other, err)
	}
	// A wrong token releases nothing.
	if err := st.Unlock(ctx(t), key, "not-the-token"); err != nil {
		t.Fatalf("Unlock with a wrong token: %v", err)
	}
	if again, _ := st.TryLock(ctx(t), key, time.Minute); again != "" {
		t.Fatal("lock released by a wrong token")
	}
	if err := st.Unlock(ctx(t), key, token); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	next, err := st.TryLock(ctx(t), key, time.Minute)
	if err != nil || next == "" || next == token {
		t.Fatalf("TryLock after Unlock = %q, %v; want a new token", next, err)
	}
	// The old holder's late Unlock must not release the new holder's lock.
	if err := st.Unlock(ctx(t), key, token); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.TryLock(ctx(t), key, time.Minute); again != "" {
		t.Fatal("a stale token released the successor's lock")
	}
	if err := st.Unlock(ctx(t), "never-"+NewID(t), "x"); err != nil {
		t.Errorf("Unlock of a missing lock = %v, want nil", err)
	}
	if _, err := st.TryLock(ctx(t), key, 0); err == nil {
		t.Error("TryLock with ttl 0 = nil error, want error")
	}
}

// testLockConcurrent: of many simultaneous callers exactly one gets the lock.
func testLockConcurrent(t *testing.T, st session.Backend) {
	for round := range 5 {
		key := "refresh-" + NewID(t)
		var winners atomic.Int32
		var wg sync.WaitGroup
		c := ctx(t)
		for range 20 {
			wg.Go(func() {
				token, err := st.TryLock(c, key, time.Minute)
				if err != nil {
					t.Errorf("TryLock: %v", err)
				}
				if token != "" {
					winners.Add(1)
				}
			})
		}
		wg.Wait()
		if n := winners.Load(); n != 1 {
			t.Fatalf("round %d: %d callers got the lock, want exactly 1", round, n)
		}
	}
}

func testLockExpiry(t *testing.T, st session.Backend) {
	key := "refresh-" + NewID(t)
	if token, err := st.TryLock(ctx(t), key, expiryTTL); err != nil || token == "" {
		t.Fatalf("TryLock = %q, %v", token, err)
	}
	start := time.Now()
	waitForExpiry(t, start, func() bool {
		token, err := st.TryLock(ctx(t), key, time.Minute)
		if err != nil {
			t.Fatalf("TryLock while waiting for expiry: %v", err)
		}
		return token != ""
	})
}
