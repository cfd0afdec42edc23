package memory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

// lock is one held lock. The memory store gives the request path the same
// locking rule as Redis, within one process.
type lock struct {
	token   string
	expires time.Time
}

// TryLock takes key for ttl unless a live lock holds it.
func (s *Store) TryLock(_ context.Context, key string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("memory session store: lock: ttl must be positive, got %v", ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", unavailable("lock", errClosed)
	}
	now := s.now()
	if l, ok := s.locks[key]; ok && now.Before(l.expires) {
		return "", nil
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	s.locks[key] = lock{token: token, expires: now.Add(ttl)}
	return token, nil
}

// Unlock releases key if token still holds it.
func (s *Store) Unlock(_ context.Context, key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return unavailable("unlock", errClosed)
	}
	if l, ok := s.locks[key]; ok && l.token == token {
		delete(s.locks, key)
	}
	return nil
}
