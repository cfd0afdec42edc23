package memory

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/session"
)

// idSet is a set of session ids.
type idSet map[string]struct{}

// indexLocked records id under its subject and IdP sid.
func (s *Store) indexLocked(id, subject, sid string) {
	add := func(m map[string]idSet, k string) {
		if k == "" {
			return
		}
		if m[k] == nil {
			m[k] = idSet{}
		}
		m[k][id] = struct{}{}
	}
	add(s.bySubject, subject)
	add(s.bySID, sid)
}

// removeLocked deletes the session and its index entries. Indexes never hold
// an id whose session is gone, so nothing leaks.
func (s *Store) removeLocked(id string) {
	e, ok := s.sessions[id]
	if !ok {
		return
	}
	delete(s.sessions, id)
	drop := func(m map[string]idSet, k string) {
		if set := m[k]; set != nil {
			delete(set, id)
			if len(set) == 0 {
				delete(m, k)
			}
		}
	}
	drop(s.bySubject, e.subject)
	drop(s.bySID, e.sid)
}

// SessionsBySubject returns the live sessions of subject.
func (s *Store) SessionsBySubject(_ context.Context, subject string) ([]*session.Session, error) {
	return s.collect("sessions by subject", func() []string { return keys(s.bySubject[subject]) })
}

// DeleteBySubject deletes every session of subject.
func (s *Store) DeleteBySubject(_ context.Context, subject string) ([]string, error) {
	return s.deleteAll("delete by subject", func() []string { return keys(s.bySubject[subject]) })
}

// SessionsByIDPSession returns the live sessions with that IdP sid.
func (s *Store) SessionsByIDPSession(_ context.Context, sid string) ([]*session.Session, error) {
	if sid == "" {
		return []*session.Session{}, nil
	}
	return s.collect("sessions by idp session", func() []string { return keys(s.bySID[sid]) })
}

// DeleteByIDPSession deletes every session with that IdP sid.
func (s *Store) DeleteByIDPSession(_ context.Context, sid string) ([]string, error) {
	if sid == "" {
		return nil, nil
	}
	return s.deleteAll("delete by idp session", func() []string { return keys(s.bySID[sid]) })
}

// AllSessions returns every live session.
func (s *Store) AllSessions(context.Context) ([]*session.Session, error) {
	return s.collect("all sessions", func() []string { return keys(s.sessions) })
}

// collect decodes the live sessions among the ids that pick returns; pick
// runs under the lock.
func (s *Store) collect(op string, pick func() []string) ([]*session.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, unavailable(op, errClosed)
	}
	now := s.now()
	out := []*session.Session{}
	for _, id := range pick() {
		e, ok := s.sessions[id]
		if !ok {
			continue
		}
		if !now.Before(e.expires) {
			s.removeLocked(id)
			continue
		}
		out = append(out, e.sess.Clone())
	}
	return out, nil
}

func (s *Store) deleteAll(op string, pick func() []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, unavailable(op, errClosed)
	}
	now := s.now()
	deleted := []string{}
	for _, id := range pick() {
		if e, ok := s.sessions[id]; ok && now.Before(e.expires) {
			deleted = append(deleted, id)
		}
		s.removeLocked(id)
	}
	return deleted, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
