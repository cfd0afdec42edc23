package memory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/sessiontest"
)

func TestConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Backend {
		s := New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// TestSweep checks that expired records of ids never read again are dropped on
// a later write, so memory does not grow without bound.
func TestSweep(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	s := New()
	s.now = func() time.Time { return now }
	ctx := context.Background()
	if err := s.Save(ctx, &session.Session{ID: "a"}, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "k", time.Second); err != nil {
		t.Fatal(err)
	}
	now = now.Add(sweepEvery + time.Second)
	if err := s.Save(ctx, &session.Session{ID: "b"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions["a"]; ok {
		t.Error("expired session survived the sweep")
	}
	if _, ok := s.claims["k"]; ok {
		t.Error("expired claim survived the sweep")
	}
	if _, ok := s.sessions["b"]; !ok {
		t.Error("live session was swept")
	}
}

func TestClosed(t *testing.T) {
	s := New()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Load(ctx, "x"); !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("Load after Close = %v, want ErrUnavailable", err)
	}
	if err := s.Save(ctx, &session.Session{ID: "x"}, time.Minute); !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("Save after Close = %v, want ErrUnavailable", err)
	}
	if _, err := s.Claim(ctx, "x", time.Minute); !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("Claim after Close = %v, want ErrUnavailable", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
	}
}
