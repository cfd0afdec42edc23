// Package memory is an in-process session.Store for a single gatehouse instance
// and for the demo. Sessions vanish when the process exits and are not shared
// between replicas.
package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// sweepEvery is how often a write also removes every expired entry. Reads drop
// the expired entry they hit; the sweep bounds memory for ids never read again,
// without a background goroutine that would have to be stopped.
const sweepEvery = 30 * time.Second

var errClosed = errors.New("memory session store: closed")

var _ session.Backend = (*Store)(nil)

// Store keeps sessions in a map. Each record goes through JSON once on write,
// exactly as the Redis store keeps it, so that a value behaves the same in
// both (Extra numbers come back as float64); it is kept decoded, and every
// read returns a deep copy, so no caller can alias the stored one.
type Store struct {
	// now is the clock; tests may replace it before first use.
	now func() time.Time

	mu        sync.Mutex
	sessions  map[string]entry
	claims    map[string]time.Time // key -> expiry
	locks     map[string]lock      // key -> holder (lock.go)
	bySubject map[string]idSet     // sub -> session ids (index.go)
	bySID     map[string]idSet     // IdP sid -> session ids
	nextSweep time.Time
	closed    bool
}

type entry struct {
	sess    *session.Session // never changed once stored; readers clone it
	expires time.Time
	// subject and sid name the index entries that point at this session.
	subject, sid string
}

// New returns an empty store.
func New() *Store {
	return &Store{
		now:       time.Now,
		sessions:  make(map[string]entry),
		claims:    make(map[string]time.Time),
		locks:     make(map[string]lock),
		bySubject: make(map[string]idSet),
		bySID:     make(map[string]idSet),
	}
}

// Load returns a fresh copy of the session or session.ErrNotFound.
func (s *Store) Load(_ context.Context, id string) (*session.Session, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, unavailable("load", errClosed)
	}
	now := s.now()
	e, ok := s.sessions[id]
	if ok && !now.Before(e.expires) {
		s.removeLocked(id)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return nil, session.ErrNotFound
	}
	return e.sess.Clone(), nil
}

// Save writes the session under sess.ID for ttl, replacing any previous one.
func (s *Store) Save(_ context.Context, sess *session.Session, ttl time.Duration) error {
	return s.write("save", sess, ttl, false)
}

// Update rewrites the session only while it still exists, so a request racing
// a logout cannot bring the session back.
func (s *Store) Update(_ context.Context, sess *session.Session, ttl time.Duration) error {
	return s.write("update", sess, ttl, true)
}

func (s *Store) write(op string, sess *session.Session, ttl time.Duration, onlyIfExists bool) error {
	if sess == nil || sess.ID == "" {
		return fmt.Errorf("memory session store: %s: session without id", op)
	}
	if ttl <= 0 {
		return fmt.Errorf("memory session store: %s: ttl must be positive, got %v", op, ttl)
	}
	data, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("memory session store: encode session: %w", err)
	}
	stored := &session.Session{}
	if err := json.Unmarshal(data, stored); err != nil {
		return fmt.Errorf("memory session store: decode session: %w", err)
	}
	stored.ID = sess.ID
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return unavailable(op, errClosed)
	}
	now := s.now()
	s.sweepLocked(now)
	if onlyIfExists {
		if e, ok := s.sessions[sess.ID]; !ok || !now.Before(e.expires) {
			return session.ErrNotFound
		}
	}
	s.removeLocked(sess.ID) // its subject or sid may have changed
	s.sessions[sess.ID] = entry{sess: stored, expires: now.Add(ttl), subject: sess.Subject, sid: sess.IDPSessionID}
	s.indexLocked(sess.ID, sess.Subject, sess.IDPSessionID)
	return nil
}

// Delete removes the session; a missing one is not an error.
func (s *Store) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return unavailable("delete", errClosed)
	}
	s.removeLocked(id)
	return nil
}

// Claim records key for ttl and reports whether no live claim existed before.
func (s *Store) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("memory session store: claim: ttl must be positive, got %v", ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, unavailable("claim", errClosed)
	}
	now := s.now()
	s.sweepLocked(now)
	if exp, ok := s.claims[key]; ok && now.Before(exp) {
		return false, nil
	}
	s.claims[key] = now.Add(ttl)
	return true, nil
}

// Ping fails only after Close.
func (s *Store) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return unavailable("ping", errClosed)
	}
	return nil
}

// Close drops every record; later calls fail with session.ErrUnavailable, as
// they would on a closed Redis client.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.sessions, s.claims, s.locks, s.bySubject, s.bySID = nil, nil, nil, nil, nil
	return nil
}

// sweepLocked removes expired records at most once per sweepEvery.
func (s *Store) sweepLocked(now time.Time) {
	if now.Before(s.nextSweep) {
		return
	}
	s.nextSweep = now.Add(sweepEvery)
	for id, e := range s.sessions {
		if !now.Before(e.expires) {
			s.removeLocked(id)
		}
	}
	for k, l := range s.locks {
		if !now.Before(l.expires) {
			delete(s.locks, k)
		}
	}
	for k, exp := range s.claims {
		if !now.Before(exp) {
			delete(s.claims, k)
		}
	}
}

func unavailable(op string, err error) error {
	// One line: errors.Join would put a newline into every log line of it.
	return fmt.Errorf("memory session store: %s: %w: %w", op, session.ErrUnavailable, err)
}
