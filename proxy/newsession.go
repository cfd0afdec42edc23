package proxy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// standardClaims are kept in Session's own fields; any other claim named in
// identity.headers goes to Extra.
var standardClaims = map[string]bool{
	"sub": true, "email": true, "name": true, "preferred_username": true, "groups": true,
}

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

// sessionFromClaims keeps the identity of a login or a bearer token: the
// standard claims in their fields, and in Extra every other claim that
// identity.headers or the authorization policy reads.
func (h *Handler) sessionFromClaims(claims map[string]any) (*session.Session, error) {
	sub := claimString(claims, "sub")
	if sub == "" {
		return nil, errors.New("no subject")
	}
	s := &session.Session{
		Subject:           sub,
		Email:             claimString(claims, "email"),
		Name:              claimString(claims, "name"),
		PreferredUsername: claimString(claims, "preferred_username"),
		Groups:            claimStrings(claims, "groups"),
	}
	for _, claim := range append(slices.Clone(h.opts.identityClaims), h.policy.Claims()...) {
		if standardClaims[claim] {
			continue
		}
		if v, ok := claims[claim]; ok {
			if s.Extra == nil {
				s.Extra = map[string]any{}
			}
			s.Extra[claim] = v
		}
	}
	return s, nil
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

func claimString(claims map[string]any, name string) string {
	return identity.Format(claims[name])
}

// claimStrings reads a list claim; providers send a JSON array, a single
// string, or (some LDAP bridges) a comma-separated string.
func claimStrings(claims map[string]any, name string) []string {
	switch v := claims[name].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			if s := identity.Format(item); s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return v
	case string:
		var out []string
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out
	}
	return nil
}
