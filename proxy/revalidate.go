package proxy

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// revalidator re-reads an identity from userinfo with a still-valid access
// token (oidcclient.Client). A provider without it is never revalidated.
type revalidator interface {
	Revalidate(ctx context.Context, accessToken, previousIDToken, subject string) (map[string]any, error)
}

// revalidateIfDue applies session.revalidate_interval to a session whose
// tokens need no refresh: when the identity was last read from the provider
// (login, a refresh, or a revalidation) an interval ago, the request that
// notices asks userinfo again. It runs under the session's refresh lock, so
// it happens once across replicas and never races a refresh (whose record
// write it would undo); a request that finds the lock taken goes on with
// the identity it has.
func (h *Handler) revalidateIfDue(ctx context.Context, s *session.Session, key []byte) (*session.Session, error) {
	rv, ok := h.oidc.(revalidator)
	if !ok || !h.revalidationDue(s) {
		return s, nil
	}
	hash := session.HashID(s.ID)
	log := h.log(ctx).With(zap.String("session", hash), zap.String("user", s.Subject))
	lockKey := "refresh:" + hash
	token, err := h.store.TryLock(ctx, lockKey, refreshLockTTL)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return s, nil
	}
	cur, err := h.revalidateLocked(ctx, s, key, rv, log)
	unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	if uerr := h.store.Unlock(unlockCtx, lockKey, token); uerr != nil {
		log.Warn("release refresh lock (it expires by itself)", zap.Error(uerr))
	}
	cancel()
	return cur, err
}

// revalidateLocked runs with the refresh lock held, on the session as the
// store holds it now.
func (h *Handler) revalidateLocked(ctx context.Context, s *session.Session, key []byte, rv revalidator, log *zap.Logger) (*session.Session, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	cur, err := h.currentSession(ctx, s.ID)
	if cur == nil || err != nil {
		return nil, err
	}
	if !h.revalidationDue(cur) {
		return cur, nil // another replica has just done it
	}
	tokens, err := session.Open(key, cur.ID, cur.Sealed)
	if err != nil || tokens.AccessToken == "" {
		return cur, nil
	}
	claims, err := rv.Revalidate(ctx, tokens.AccessToken, tokens.IDToken, cur.Subject)
	changed := false
	switch {
	case errors.Is(err, oidcclient.ErrUserinfoUnauthorized):
		return h.endRefused(ctx, log, cur, "userinfo no longer accepts the access token", err)
	case err != nil:
		// Recorded as done all the same: a provider that is down is asked
		// again an interval later, not on every request meanwhile.
		log.Warn("identity revalidation failed; keeping the identity until the next interval", zap.Error(err))
	case claims != nil:
		if changed, err = h.reidentify(cur, claims); err != nil {
			return h.endRefused(ctx, log, cur, "the revalidated identity is refused", err)
		}
	}
	now := h.now()
	cur.RevalidatedAt = now
	cur.LastSeenAt = now // this write slides the idle timeout too
	err = h.store.Update(ctx, cur, h.sessionTTL(cur))
	if errors.Is(err, session.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if changed {
		log.Info("identity changed at the provider (revalidation); policy and assertion follow")
	}
	return cur, nil
}

// revalidationDue: session.revalidate_interval is on and has passed since
// the identity was last read from the provider.
func (h *Handler) revalidationDue(s *session.Session) bool {
	interval := h.opts.revalidateInterval
	if interval <= 0 {
		return false
	}
	last := s.CreatedAt
	if s.RevalidatedAt.After(last) {
		last = s.RevalidatedAt
	}
	return !h.now().Before(last.Add(interval))
}
