package proxy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

const (
	// refreshTimeout bounds one token request to the provider.
	refreshTimeout = 10 * time.Second
	// refreshLockTTL outlives the token request and the session write that
	// follows: a lock that expired while its holder still redeems the
	// single-use refresh token would let a second replica redeem it too.
	refreshLockTTL = 2 * refreshTimeout
	// refreshWait bounds how long a request whose access token has already
	// expired waits for another request's refresh before it answers 503.
	refreshWait = refreshTimeout + 2*time.Second
	// refreshPoll is how often a waiting request looks at the session again.
	refreshPoll = 50 * time.Millisecond
	// touchGuard keeps the idle-timeout write away from a coming refresh: a
	// touch writes the whole record it read, and landing just after a
	// refresh on another replica it would put back the used refresh token.
	touchGuard = 15 * time.Second
)

// errProviderUnavailable: the access token has expired and the provider could
// not refresh it. The session is kept; a later request tries again.
var errProviderUnavailable = errors.New("proxy: identity provider unavailable for a due token refresh")

// refreshAt is when a session whose access token expires at exp refreshes:
// refresh_before ahead, or at half the remaining lifetime when the provider's
// tokens are shorter than that (else every request would refresh).
func (h *Handler) refreshAt(now, exp time.Time, hasRefreshToken bool) time.Time {
	if !hasRefreshToken || exp.IsZero() {
		return time.Time{}
	}
	margin := min(h.opts.refreshBefore, exp.Sub(now)/2)
	return exp.Add(-max(margin, 0))
}

func (h *Handler) refreshDue(s *session.Session) bool {
	return !s.RefreshAt.IsZero() && !h.now().Before(s.RefreshAt)
}

// refreshIfDue returns the session the request goes on with: s itself, s with
// new tokens, or nil when the session has ended (the provider refused the
// refresh token, or the session was deleted meanwhile).
//
// Only the holder of the session's refresh lock talks to the provider, across
// all replicas. Others go on with their access token while it is valid, or
// wait for the holder's result; when the holder gave up (provider down), the
// next waiter takes the lock and tries itself.
func (h *Handler) refreshIfDue(ctx context.Context, s *session.Session, key []byte) (*session.Session, error) {
	if !h.refreshDue(s) {
		return h.revalidateIfDue(ctx, s, key)
	}
	lockKey := "refresh:" + session.HashID(s.ID)
	deadline := h.now().Add(refreshWait)
	for {
		token, err := h.store.TryLock(ctx, lockKey, refreshLockTTL)
		if err != nil {
			return nil, err
		}
		if token != "" {
			cur, err := h.refreshLocked(ctx, s, key)
			// The refresh's outcome is kept even when the client went away.
			unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
			if uerr := h.store.Unlock(unlockCtx, lockKey, token); uerr != nil {
				h.log(ctx).Warn("release refresh lock (it expires by itself)", zap.String("session", session.HashID(s.ID)), zap.Error(uerr))
			}
			cancel()
			return cur, err
		}
		if h.now().Before(s.AccessTokenExpiresAt) {
			return s, nil // another request refreshes; this token still works
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(refreshPoll):
		}
		cur, err := h.store.Load(ctx, s.ID)
		if errors.Is(err, session.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if cur.AccessTokenExpiresAt.After(s.AccessTokenExpiresAt) {
			cur.ID = s.ID
			return cur, nil
		}
		if h.now().After(deadline) {
			return nil, fmt.Errorf("%w: waited %v for another request's refresh", errProviderUnavailable, refreshWait)
		}
	}
}

// refreshLocked runs with the refresh lock held. It reads the session again
// first: another replica may have refreshed it since this request read it.
func (h *Handler) refreshLocked(ctx context.Context, s *session.Session, key []byte) (*session.Session, error) {
	// Once the provider has rotated the refresh token, the new one must be
	// stored, whether or not the client is still waiting.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	log := h.log(ctx).With(zap.String("session", session.HashID(s.ID)), zap.String("user", s.Subject))

	cur, err := h.currentSession(ctx, s.ID)
	if cur == nil || err != nil {
		return nil, err
	}
	if !h.refreshDue(cur) {
		return cur, nil
	}
	tokens, err := session.Open(key, cur.ID, cur.Sealed)
	if err != nil || tokens.RefreshToken == "" {
		// Cannot happen with a cookie that named this session; go on without
		// refreshing rather than end a session over it.
		log.Warn("session tokens cannot be opened for refresh", zap.Error(err))
		return cur, nil
	}

	res, err := h.oidc.Refresh(ctx, tokens.RefreshToken, tokens.IDToken, cur.Subject)
	switch {
	case errors.Is(err, oidcclient.ErrRefreshRejected):
		log.Info("session ended: token refresh rejected", zap.Error(err))
		h.metrics.Refresh(metrics.RefreshFailed)
		if err := h.store.Delete(ctx, cur.ID); err != nil {
			return nil, err
		}
		h.metrics.SessionDeleted(metrics.DeletedRefreshFailed)
		return nil, nil
	case err != nil:
		h.metrics.Refresh(metrics.RefreshFailed)
		if h.now().Before(cur.AccessTokenExpiresAt) {
			log.Warn("token refresh failed; keeping the valid access token, retrying on a later request", zap.Error(err))
			return cur, nil
		}
		return nil, fmt.Errorf("%w: %w", errProviderUnavailable, err)
	}

	// The identity follows the provider: the refreshed ID token's claims
	// and userinfo, as oidc.userinfo says (nil: nothing was re-read).
	if res.Claims != nil {
		changed, err := h.reidentify(cur, res.Claims)
		if err != nil {
			h.metrics.Refresh(metrics.RefreshFailed)
			return h.endRefused(ctx, log, cur, "the refreshed identity is refused", err)
		}
		if changed {
			log.Info("identity changed at the provider; policy and assertion follow")
		}
		cur.RevalidatedAt = h.now()
	}
	if res.RefreshToken != "" {
		tokens.RefreshToken = res.RefreshToken
	}
	if res.IDToken != "" {
		tokens.IDToken = res.IDToken
	}
	tokens.AccessToken = res.AccessToken
	now := h.now()
	// Same session id, same key: parallel requests of this browser keep working.
	if cur.Sealed, err = session.Seal(key, cur.ID, tokens); err != nil {
		return nil, fmt.Errorf("seal refreshed tokens: %w", err)
	}
	cur.AccessTokenExpiresAt = tokenExpiry(now, res.AccessTokenExpiresAt)
	cur.RefreshAt = h.refreshAt(now, cur.AccessTokenExpiresAt, true)
	cur.LastSeenAt = now // this write slides the idle timeout too
	err = h.store.Update(ctx, cur, h.sessionTTL(cur))
	if errors.Is(err, session.ErrNotFound) {
		return nil, nil // logged out or revoked while refreshing
	}
	if err != nil {
		log.Error("refreshed tokens could not be stored; the session may need a new login", zap.Error(err))
		return nil, err
	}
	h.metrics.Refresh(metrics.RefreshOK)
	log.Debug("tokens refreshed")
	return cur, nil
}

// currentSession reads the session as the store holds it now (under the
// refresh lock, another replica may have just changed it); nil, nil when it
// has ended meanwhile.
func (h *Handler) currentSession(ctx context.Context, id string) (*session.Session, error) {
	cur, err := h.store.Load(ctx, id)
	if errors.Is(err, session.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cur.ID = id
	return cur, nil
}
