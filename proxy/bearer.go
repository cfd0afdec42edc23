package proxy

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
)

// errBearerRefused: the request carried a bearer token that did not
// validate. It is 401 whatever else the request carries: the client chose the
// token, so a cookie is not silently used instead.
var errBearerRefused = errors.New("proxy: bearer token refused")

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// authenticateBearer validates a bearer JWT against the provider's keys and
// turns its claims into a session that exists for this request only.
func (h *Handler) authenticateBearer(r *http.Request, token string) (*authenticated, error) {
	claims, err := h.oidc.VerifyBearer(r.Context(), token, h.opts.bearerAudiences, h.opts.bearerClientIDs)
	if errors.Is(err, oidcclient.ErrNotReady) {
		return nil, err
	}
	if err != nil {
		// The error names the failed check, never the token.
		h.log(r.Context()).Info("bearer token refused", zap.Error(err))
		return nil, errBearerRefused
	}
	s, err := h.sessionFromClaims(claims)
	if err != nil {
		h.log(r.Context()).Info("bearer token refused", zap.Error(err))
		return nil, errBearerRefused
	}
	// A token states its login's strength for step-up rules (RFC 9470); a
	// malformed statement counts as none.
	if acr, authTime, err := loginStrength(claims); err == nil {
		s.ACR, s.AuthTime = acr, authTime
	}
	if exp, ok := claims["exp"].(float64); ok {
		s.ExpiresAt = time.Unix(int64(exp), 0)
	}
	if err := h.checkIdentitySize(s); err != nil {
		// Refused like at login: headers and assertion could not state it.
		h.log(r.Context()).Info("bearer token refused", zap.Error(err))
		return nil, errBearerRefused
	}
	return &authenticated{session: s, bearer: token}, nil
}

// bearerCacheKey is the assertion cache key of a bearer token: a hash, so
// the cache never holds the token itself.
func bearerCacheKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return string(sum[:])
}
