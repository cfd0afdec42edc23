package proxy

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
	"github.com/gatehouse/gatehouse/internal/testclock"
)

func TestTokenExpiry(t *testing.T) {
	ahead := time.Now().Add(30 * 24 * time.Hour) // an injected clock a month ahead
	tests := []struct {
		name     string
		now      time.Time
		timeLeft time.Duration // exp - wall clock; 0 with zero for no expiry
		zero     bool
	}{
		{"no expiry stays none", ahead, 0, true},
		{"wall clock", time.Now(), 5 * time.Minute, false},
		{"clock ahead keeps the lifetime", ahead, 5 * time.Minute, false},
		{"already expired stays expired", ahead, -time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var exp time.Time
			if !tt.zero {
				exp = time.Now().Add(tt.timeLeft)
			}
			got := tokenExpiry(tt.now, exp)
			if tt.zero {
				if !got.IsZero() {
					t.Fatalf("tokenExpiry(now, zero) = %v, want zero", got)
				}
				return
			}
			// Only the wall-clock time spent between the two readings
			// (however slow the machine) may be lost, never added.
			want := tt.now.Add(tt.timeLeft)
			if got.After(want) || got.Before(want.Add(-time.Minute)) {
				t.Fatalf("tokenExpiry = %v, want %v (minus the test's own run time)", got, want)
			}
		})
	}
}

// TestRefreshWaitEndsByHandlerClock: a request whose access token has expired
// waits for another request's refresh (which holds the lock) for refreshWait
// on the handler's clock, then answers "provider unavailable". The test moves
// the clock; without the injected clock the request would wait refreshWait
// of wall time and the test would hit its own (shorter) wall-clock bound.
func TestRefreshWaitEndsByHandlerClock(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New(time.Now())
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	h := &Handler{store: store, logger: zap.NewNop()}
	WithClock(clock.Now)(h)

	now := clock.Now()
	s := &session.Session{
		ID: session.NewID(), Subject: "alice",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
		AccessTokenExpiresAt: now.Add(-time.Second), RefreshAt: now.Add(-time.Minute),
	}
	if err := store.Save(ctx, s, time.Hour); err != nil {
		t.Fatal(err)
	}
	// Another request (or replica) is refreshing and does not finish.
	if token, err := store.TryLock(ctx, "refresh:"+session.HashID(s.ID), time.Hour); err != nil || token == "" {
		t.Fatalf("take the refresh lock: %q, %v", token, err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := h.refreshIfDue(ctx, s, nil)
		done <- err
	}()
	// A bound, not a wait: it is reached only when the clock is not obeyed.
	giveUp := time.After(refreshWait / 2)
	for {
		select {
		case err := <-done:
			if !errors.Is(err, errProviderUnavailable) {
				t.Fatalf("refreshIfDue: %v, want errProviderUnavailable", err)
			}
			if waited := clock.Now().Sub(now); waited < refreshWait {
				t.Fatalf("gave up after %v on the handler's clock, before refreshWait (%v)", waited, refreshWait)
			}
			return
		case <-giveUp:
			t.Fatalf("still waiting after %v of wall time with the handler's clock %v ahead", refreshWait/2, clock.Now().Sub(now))
		case <-time.After(10 * time.Millisecond):
			clock.Advance(time.Second)
		}
	}
}
