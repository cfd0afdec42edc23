package proxy

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// newSession turns a validated login into a session with a fresh id.
func (h *Handler) newSession(res *oidcclient.Result) (*session.Session, error) {
	s, err := h.sessionFromClaims(res.Claims)
	if err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	if err := h.checkIdentitySize(s); err != nil {
		return nil, err
	}
	now := h.now()
	s.ID = session.NewID()
	s.IDPSessionID = res.SessionID
	s.CreatedAt, s.LastSeenAt = now, now
	s.ExpiresAt = now.Add(h.opts.absoluteTimeout)
	s.AccessTokenExpiresAt = res.AccessTokenExpiresAt
	s.RefreshAt = h.refreshAt(now, res.AccessTokenExpiresAt, res.RefreshToken != "")
	return s, nil
}

// sessionFromClaims keeps the identity of a login, a refresh or a bearer
// token: the standard claims in their fields, the merged groups of
// identity.groups_claims, and in Extra every other claim reference that
// identity.headers, the policy or upstream.basic_auth reads
// (internal/claims owns how). claims.ErrNoSubject without a sub.
func (h *Handler) sessionFromClaims(claims map[string]any) (*session.Session, error) {
	return h.claims.Session(claims)
}

// checkIdentitySize refuses an identity that identity.max_header_bytes cannot
// carry: a scalar claim that does not fit in its header, or an assertion that
// does not fit with every group trimmed (identity.ErrIdentityTooLarge). Groups
// alone never refuse: they are trimmed and marked.
func (h *Handler) checkIdentitySize(s *session.Session) error {
	if err := h.mapper.CheckFits(s); err != nil {
		return err
	}
	if h.asserter == nil {
		return nil // identity.assertion.enabled false: no assertion to fit
	}
	return h.asserter.CheckFits(s)
}
