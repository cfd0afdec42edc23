package proxy

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/session"
)

// touchEvery is how often a session in use writes its sliding idle timeout
// back: 1/64 of the idle timeout, at least a minute and at most five (a
// short idle_timeout: a quarter of it). Steady-state requests read the
// session and write nothing. A session may therefore end up to this much
// earlier than idle_timeout after its last request (at most 5 minutes of
// the default 8 hours). Each write also invalidates every replica's cached
// copy of the record, so with many sessions in use a write per minute was a
// write and a fresh read for most requests.
func touchEvery(idle time.Duration) time.Duration {
	return min(max(idle/64, time.Minute), 5*time.Minute, idle/4)
}

// authenticated is a request's verified login: a stored session, or (with
// bearer set) a validated bearer token whose session lives for this request.
type authenticated struct {
	session *session.Session
	key     []byte // opens session.Sealed
	bearer  string // the bearer token; "" for a cookie session
	kept    prefetched
}

// authenticate resolves the bearer token (when bearer.enabled) or else the
// session cookie to a live session. It returns nil, nil when the request is
// not logged in (no cookie, broken cookie, unknown or expired session);
// errBearerRefused for a bearer token that does not validate; another error
// when the store or the provider cannot answer. The user it finds is the
// one the access log names (set here and nowhere else).
func (h *Handler) authenticate(r *http.Request) (*authenticated, error) {
	auth, err := h.resolve(r)
	if auth != nil {
		requestStateFrom(r.Context()).user = auth.session.Subject
	}
	return auth, err
}

func (h *Handler) resolve(r *http.Request) (*authenticated, error) {
	if h.opts.bearerEnabled {
		if token, ok := bearerToken(r); ok {
			return h.authenticateBearer(r, token)
		}
	}
	// With several session cookies (e.g. one set for a parent domain by
	// another app), the first that names a live session wins: header order is
	// the browser's, so the choice is deterministic and never mixes identities.
	var buf [2]sessionRef // one cookie is the rule; no allocation for two
	for _, ref := range h.cookies.sessionRefs(buf[:0], r) {
		s, kept, err := h.load(r.Context(), ref.ID) // sharedassertion.go
		if errors.Is(err, session.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.ID = ref.ID
		if !h.live(r.Context(), s) {
			continue
		}
		if s, err = h.refreshIfDue(r.Context(), s, ref.Key); err != nil {
			return nil, err
		}
		if s == nil {
			continue // the refresh ended the session
		}
		h.touch(r.Context(), s)
		return &authenticated{session: s, key: ref.Key, kept: kept}, nil
	}
	return nil, nil
}

// live applies the idle and absolute timeouts; an expired session is deleted.
func (h *Handler) live(ctx context.Context, s *session.Session) bool {
	now := h.now()
	if now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(h.opts.idleTimeout)) {
		return true
	}
	if err := h.store.Delete(ctx, s.ID); err != nil {
		h.log(ctx).Warn("delete expired session", zap.String("session", session.HashID(s.ID)), zap.Error(err))
	} else {
		h.metrics.SessionDeleted(metrics.DeletedExpired)
	}
	return false
}

// touch slides the idle timeout, at most once per touchEvery. Update only
// rewrites a session that still exists, so a request racing a logout cannot
// bring the session back. Close to a refresh it leaves the write to the
// refresh (see touchGuard). Only LastSeenAt and the ttl change, which the
// Redis store recognises and writes without touching its index.
func (h *Handler) touch(ctx context.Context, s *session.Session) {
	now := h.now()
	if now.Sub(s.LastSeenAt) < h.opts.touchEvery {
		return
	}
	if !s.RefreshAt.IsZero() && !now.Before(s.RefreshAt.Add(-touchGuard)) {
		return
	}
	s.LastSeenAt = now
	if err := h.store.Update(ctx, s, h.sessionTTL(s)); err != nil && !errors.Is(err, session.ErrNotFound) {
		h.log(ctx).Warn("extend session idle timeout", zap.String("session", session.HashID(s.ID)), zap.Error(err))
	}
}

// sessionTTL is how long the store keeps s: until the idle timeout, but never
// past the absolute timeout.
func (h *Handler) sessionTTL(s *session.Session) time.Duration {
	ttl := h.opts.idleTimeout
	if untilAbsolute := s.ExpiresAt.Sub(h.now()); untilAbsolute < ttl {
		ttl = untilAbsolute
	}
	return max(ttl, time.Second)
}
