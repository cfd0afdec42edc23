// Package sessiontest is the conformance suite every session.Store must pass.
// One suite for all stores keeps the memory store an honest stand-in for Redis:
// what the demo does, production does.
package sessiontest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// expiryTTL is short so expiry tests stay fast, yet long enough that a Load
// right after Save still finds the record on a slow, race-instrumented run.
const expiryTTL = 1200 * time.Millisecond

// Run runs the suite. newStore returns a fresh, empty store for one subtest and
// is responsible for closing it (t.Cleanup). Subtests may run in parallel, each
// with its own store.
func Run(t *testing.T, newStore func(t *testing.T) session.Backend) {
	tests := []struct {
		name     string
		parallel bool
		fn       func(*testing.T, session.Backend)
	}{
		{"RoundTrip", false, testRoundTrip},
		{"LoadMissing", false, testLoadMissing},
		{"DeleteThenLoad", false, testDeleteThenLoad},
		{"DeleteMissing", false, testDeleteMissing},
		{"SaveOverwrites", false, testSaveOverwrites},
		{"UpdateOnlyExisting", false, testUpdateOnlyExisting},
		{"NoAliasing", false, testNoAliasing},
		{"InvalidSave", false, testInvalidSave},
		{"Claim", false, testClaim},
		{"Ping", false, testPing},
		{"Concurrent", false, testConcurrent},
		// index.go and lock.go
		{"IndexBySubject", false, testIndexBySubject},
		{"IndexFollowsChanges", false, testIndexFollowsChanges},
		{"RevokeBySubject", false, testRevokeBySubject},
		{"DeleteByIDPSession", false, testDeleteByIDPSession},
		{"AllSessions", false, testAllSessions},
		{"Lock", false, testLock},
		{"LockConcurrent", false, testLockConcurrent},
		// slide.go
		{"Slide", false, testSlide},
		{"SlideDeleted", false, testSlideDeleted},
		// The slow ones wait for real time to pass; run them side by side.
		{"Expiry", true, testExpiry},
		{"ClaimExpiry", true, testClaimExpiry},
		{"IndexExpiry", true, testIndexExpiry},
		{"LockExpiry", true, testLockExpiry},
		{"SlideIndexExpiry", true, testSlideIndexExpiry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.parallel {
				t.Parallel()
			}
			tc.fn(t, newStore(t))
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// NewID returns a random id shaped like a real session id.
func NewID(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random id: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// fullSession sets every field, with values whose type survives JSON (Extra
// holds what a decoded ID token would).
func fullSession(t testing.TB) *session.Session {
	now := time.Now()
	return &session.Session{
		ID:                   NewID(t),
		Subject:              "user-1234",
		Email:                "ada@example.org",
		Name:                 "Ada Lovelace",
		PreferredUsername:    "ada",
		Groups:               []string{"admins", "engineering"},
		Extra:                map[string]any{"dept": "R&D", "level": float64(3), "roles": []any{"a", "b"}, "ok": true},
		IDPSessionID:         "idp-sid-1",
		CreatedAt:            now.Add(-time.Hour),
		LastSeenAt:           now,
		ExpiresAt:            now.Add(24 * time.Hour),
		AccessTokenExpiresAt: now.Add(5 * time.Minute),
		RefreshAt:            now.Add(4 * time.Minute),
		Sealed:               []byte{0, 1, 2, 0xfe, 0xff},
	}
}

// assertEqual compares sessions field by field, times with Equal (a store may
// drop the monotonic reading and the location).
func assertEqual(t *testing.T, got, want *session.Session) {
	t.Helper()
	times := []struct {
		name      string
		got, want time.Time
	}{
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastSeenAt", got.LastSeenAt, want.LastSeenAt},
		{"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
		{"AccessTokenExpiresAt", got.AccessTokenExpiresAt, want.AccessTokenExpiresAt},
		{"RefreshAt", got.RefreshAt, want.RefreshAt},
	}
	for _, tt := range times {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	g, w := *got, *want
	g.CreatedAt, g.LastSeenAt, g.ExpiresAt, g.AccessTokenExpiresAt, g.RefreshAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.CreatedAt, w.LastSeenAt, w.ExpiresAt, w.AccessTokenExpiresAt, w.RefreshAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("session mismatch:\n got %#v\nwant %#v", g, w)
	}
}

func mustSave(t *testing.T, st session.Store, s *session.Session, ttl time.Duration) {
	t.Helper()
	if err := st.Save(ctx(t), s, ttl); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mustLoad(t *testing.T, st session.Store, id string) *session.Session {
	t.Helper()
	s, err := st.Load(ctx(t), id)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func assertNotFound(t *testing.T, st session.Store, id string) {
	t.Helper()
	s, err := st.Load(ctx(t), id)
	if !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load = %v, %v; want ErrNotFound", s, err)
	}
	if errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Load error %v is both not-found and unavailable", err)
	}
}

func testRoundTrip(t *testing.T, st session.Backend) {
	want := fullSession(t)
	mustSave(t, st, want, time.Hour)
	assertEqual(t, mustLoad(t, st, want.ID), want)

	// A minimal session (zero optional fields) round-trips too.
	min := &session.Session{ID: NewID(t), Subject: "s", CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	mustSave(t, st, min, time.Hour)
	assertEqual(t, mustLoad(t, st, min.ID), min)
}

func testLoadMissing(t *testing.T, st session.Backend) {
	assertNotFound(t, st, NewID(t))
}

func testDeleteThenLoad(t *testing.T, st session.Backend) {
	s := fullSession(t)
	mustSave(t, st, s, time.Hour)
	if err := st.Delete(ctx(t), s.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	assertNotFound(t, st, s.ID)
}

func testDeleteMissing(t *testing.T, st session.Backend) {
	if err := st.Delete(ctx(t), NewID(t)); err != nil {
		t.Fatalf("Delete of a missing session = %v, want nil", err)
	}
}

func testSaveOverwrites(t *testing.T, st session.Backend) {
	s := fullSession(t)
	mustSave(t, st, s, time.Hour)
	s.Groups = []string{"other"}
	s.Email = ""
	s.LastSeenAt = s.LastSeenAt.Add(time.Minute)
	mustSave(t, st, s, time.Hour)
	assertEqual(t, mustLoad(t, st, s.ID), s)
}

// testUpdateOnlyExisting: Update changes a live session but never brings back
// one that was deleted (a request racing a logout).
func testUpdateOnlyExisting(t *testing.T, st session.Backend) {
	s := fullSession(t)
	if err := st.Update(ctx(t), s, time.Hour); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update of a missing session = %v, want ErrNotFound", err)
	}
	assertNotFound(t, st, s.ID)
	mustSave(t, st, s, time.Hour)
	s.LastSeenAt = s.LastSeenAt.Add(time.Minute)
	if err := st.Update(ctx(t), s, time.Hour); err != nil {
		t.Fatalf("Update: %v", err)
	}
	assertEqual(t, mustLoad(t, st, s.ID), s)
	if err := st.Delete(ctx(t), s.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx(t), s, time.Hour); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update after Delete = %v, want ErrNotFound", err)
	}
	assertNotFound(t, st, s.ID)
}

func testNoAliasing(t *testing.T, st session.Backend) {
	s := fullSession(t)
	want := fullSession(t)
	want.ID = s.ID
	want.CreatedAt, want.LastSeenAt, want.ExpiresAt, want.AccessTokenExpiresAt, want.RefreshAt = s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.AccessTokenExpiresAt, s.RefreshAt
	mustSave(t, st, s, time.Hour)

	// Changing the saved value afterwards must not change the stored one...
	s.Groups[0] = "mutated-after-save"
	s.Extra["dept"] = "mutated"
	s.Sealed[0] = 0x42
	assertEqual(t, mustLoad(t, st, s.ID), want)

	// ...nor may changing a loaded copy.
	got := mustLoad(t, st, s.ID)
	got.Groups[0] = "mutated-after-load"
	got.Groups = append(got.Groups, "appended")
	got.Extra["dept"] = "mutated"
	got.Extra["roles"].([]any)[0] = "mutated"
	got.Sealed[0] = 0x42
	assertEqual(t, mustLoad(t, st, s.ID), want)
}

func testInvalidSave(t *testing.T, st session.Backend) {
	s := fullSession(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := st.Save(ctx(t), s, ttl); err == nil {
			t.Errorf("Save with ttl %v = nil, want error", ttl)
		}
		if _, err := st.Claim(ctx(t), "claim-"+s.ID, ttl); err == nil {
			t.Errorf("Claim with ttl %v = nil error, want error", ttl)
		}
	}
	assertNotFound(t, st, s.ID)
	if first, err := st.Claim(ctx(t), "claim-"+s.ID, time.Minute); err != nil || !first {
		t.Errorf("Claim after rejected claims = %v, %v; want true, nil", first, err)
	}
	if err := st.Save(ctx(t), &session.Session{Subject: "no id"}, time.Hour); err == nil {
		t.Error("Save without ID = nil, want error")
	}
	if err := st.Save(ctx(t), nil, time.Hour); err == nil {
		t.Error("Save(nil) = nil, want error")
	}
}

func testClaim(t *testing.T, st session.Backend) {
	key := "jti-" + NewID(t)
	for i, want := range []bool{true, false, false} {
		first, err := st.Claim(ctx(t), key, time.Minute)
		if err != nil {
			t.Fatalf("Claim #%d: %v", i+1, err)
		}
		if first != want {
			t.Fatalf("Claim #%d = %v, want %v", i+1, first, want)
		}
	}
	if first, err := st.Claim(ctx(t), "jti-"+NewID(t), time.Minute); err != nil || !first {
		t.Fatalf("Claim of another key = %v, %v; want true, nil", first, err)
	}
	// Claims and sessions live in separate namespaces.
	id := NewID(t)
	if first, err := st.Claim(ctx(t), id, time.Minute); err != nil || !first {
		t.Fatalf("Claim = %v, %v", first, err)
	}
	assertNotFound(t, st, id)
}

func testPing(t *testing.T, st session.Backend) {
	if err := st.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// testConcurrent is meant for -race: readers and writers share ids.
func testConcurrent(t *testing.T, st session.Backend) {
	ids := []string{NewID(t), NewID(t), NewID(t)}
	const workers, rounds = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	c := ctx(t)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				s := fullSession(t)
				s.ID = ids[(w+r)%len(ids)]
				s.Name = fmt.Sprintf("w%d-r%d", w, r)
				if err := st.Save(c, s, time.Minute); err != nil {
					errs <- fmt.Errorf("Save: %w", err)
					continue
				}
				got, err := st.Load(c, ids[r%len(ids)])
				switch {
				case errors.Is(err, session.ErrNotFound): // deleted by another worker
				case err != nil:
					errs <- fmt.Errorf("Load: %w", err)
				default:
					got.Groups = append(got.Groups, "x") // must not race with anyone
				}
				if r%5 == 0 {
					if err := st.Delete(c, ids[w%len(ids)]); err != nil {
						errs <- fmt.Errorf("Delete: %w", err)
					}
				}
				if _, err := st.Claim(c, fmt.Sprintf("c-%s-%d", ids[0], r), time.Minute); err != nil {
					errs <- fmt.Errorf("Claim: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testExpiry(t *testing.T, st session.Backend) {
	s := fullSession(t)
	mustSave(t, st, s, expiryTTL)
	start := time.Now()
	mustLoad(t, st, s.ID)
	waitForExpiry(t, start, func() bool {
		_, err := st.Load(ctx(t), s.ID)
		if err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("Load while waiting for expiry: %v", err)
		}
		return errors.Is(err, session.ErrNotFound)
	})
}

func testClaimExpiry(t *testing.T, st session.Backend) {
	key := "state-" + NewID(t)
	if first, err := st.Claim(ctx(t), key, expiryTTL); err != nil || !first {
		t.Fatalf("Claim = %v, %v; want true, nil", first, err)
	}
	start := time.Now()
	waitForExpiry(t, start, func() bool {
		first, err := st.Claim(ctx(t), key, expiryTTL)
		if err != nil {
			t.Fatalf("Claim while waiting for expiry: %v", err)
		}
		return first
	})
}

// waitForExpiry polls until done reports true, which must not happen before the TTL
// has elapsed nor long after.
func waitForExpiry(t *testing.T, start time.Time, done func() bool) {
	t.Helper()
	for {
		if done() {
			// Allow a little slack for clock granularity of the backend.
			if el := time.Since(start); el < expiryTTL-100*time.Millisecond {
				t.Fatalf("expired after %v, before its ttl of %v", el, expiryTTL)
			}
			return
		}
		if time.Since(start) > expiryTTL+5*time.Second {
			t.Fatalf("still present %v after a ttl of %v", time.Since(start), expiryTTL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
