package proxy

import (
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/pkg/identity"
	"github.com/gatehouse/gatehouse/pkg/oidcclient"
	"github.com/gatehouse/gatehouse/pkg/session"
)

// standardClaims are kept in Session's own fields; any other claim named in
// identity.headers goes to Extra.
var standardClaims = map[string]bool{
	"sub": true, "email": true, "name": true, "preferred_username": true, "groups": true,
}

// newSession turns a validated login into a session with a fresh id.
func (h *Handler) newSession(res *oidcclient.Result) (*session.Session, error) {
	sub := claimString(res.Claims, "sub")
	if sub == "" {
		return nil, errors.New("ID token has no subject")
	}
	now := h.now()
	s := &session.Session{
		ID:                   session.NewID(),
		Subject:              sub,
		Email:                claimString(res.Claims, "email"),
		Name:                 claimString(res.Claims, "name"),
		PreferredUsername:    claimString(res.Claims, "preferred_username"),
		Groups:               claimStrings(res.Claims, "groups"),
		IDPSessionID:         res.SessionID,
		CreatedAt:            now,
		LastSeenAt:           now,
		ExpiresAt:            now.Add(h.cfg.Session.AbsoluteTimeout),
		AccessTokenExpiresAt: res.AccessTokenExpiresAt,
		RefreshAt:            h.refreshAt(now, res.AccessTokenExpiresAt, res.RefreshToken != ""),
	}
	for _, claim := range h.cfg.Identity.Headers {
		if standardClaims[claim] {
			continue
		}
		if v, ok := res.Claims[claim]; ok {
			if s.Extra == nil {
				s.Extra = map[string]any{}
			}
			s.Extra[claim] = v
		}
	}
	return s, nil
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
